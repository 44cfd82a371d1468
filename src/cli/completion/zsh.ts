import { allNodes, shellQuote, type CompletionNode } from './tree.js';

/** `name:description` for _describe; a colon in the name would end it early. */
const described = (name: string, description: string) => shellQuote(`${name.replace(/:/g, '\\:')}:${description}`);

/**
 * zsh: the same walk as bash over the same tree, answered with _describe so commands and options
 * show their descriptions. Works from $fpath (autoloaded) and when sourced after compinit.
 */
export function zshCompletion(root: CompletionNode, version: string): string {
  const nodes = allNodes(root);
  const spec = nodes.map((n) => {
    const subs = n.commands.map((c) => described(c.name, c.description));
    const opts = n.options.flatMap((o) => [described(o.long, o.description), ...(o.short ? [described(o.short, o.description)] : [])]);
    const valued = n.options.filter((o) => o.takesValue).flatMap((o) => (o.short ? [o.long, o.short] : [o.long])).map(shellQuote);
    return `    ${shellQuote(n.path.join(' '))}) subs=(${subs.join(' ')}); opts=(${opts.join(' ')}); valued=(${valued.join(' ')}) ;;`;
  });
  const values = nodes.flatMap((n) => [
    ...n.options.filter((o) => o.choices.length > 0).map((o) => `    ${shellQuote(`${n.path.join(' ')}|${o.long}`)}) reply=(${o.choices.map(shellQuote).join(' ')}) ;;`),
    ...(n.argumentChoices.length > 0 ? [`    ${shellQuote(`${n.path.join(' ')}|`)}) reply=(${n.argumentChoices.map(shellQuote).join(' ')}) ;;`] : []),
  ]);
  return `#compdef agentctl
# zsh completion for agentctl ${version}, generated from its command tree by \`agentctl completion zsh\`.
# Install: agentctl completion zsh > "\${fpath[1]}/_agentctl"   (then open a new shell)
#      or: echo 'source <(agentctl completion zsh)' >> ~/.zshrc   (after compinit)

_agentctl_spec() {
  case "$1" in
${spec.join('\n')}
    *) subs=(); opts=(); valued=() ;;
  esac
}

_agentctl_values() {
  reply=()
  case "$1|$2" in
${values.join('\n')}
  esac
}

_agentctl() {
  local -a subs opts valued reply
  local cmdpath='' word i
  _agentctl_spec ''
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    if (( \${valued[(Ie)$word]} )); then
      (( i++ ))
    elif [[ $word != -* ]] && (( \${subs[(I)\${word}:*]} )); then
      cmdpath=\${cmdpath:+$cmdpath }$word
      _agentctl_spec "$cmdpath"
    fi
  done
  if (( CURRENT > 2 )) && (( \${valued[(Ie)\${words[CURRENT-1]}]} )); then
    _agentctl_values "$cmdpath" "\${words[CURRENT-1]}"
    if (( \${#reply} )); then compadd -a reply; else _default; fi
  elif [[ \${words[CURRENT]} == -* ]]; then
    _describe -t options option opts
  elif (( \${#subs} )); then
    _describe -t commands command subs
  else
    _agentctl_values "$cmdpath" ''
    (( \${#reply} )) && compadd -a reply
  fi
}

if [[ \${funcstack[1]} == _agentctl ]]; then
  _agentctl "$@"
else
  compdef _agentctl agentctl
fi
`;
}
