import { allNodes, shellQuote, type CompletionNode } from './tree.js';

/**
 * bash: the tree becomes two `case` tables (bash 3.2 has no associative arrays, and macOS ships
 * it); `_agentctl` walks the words typed so far to find the command path, skipping option values,
 * then offers that command's options, subcommands or an option's allowed values.
 */
export function bashCompletion(root: CompletionNode, version: string): string {
  const nodes = allNodes(root);
  const words = (list: string[]) => shellQuote(list.join(' '));
  const spec = nodes.map((n) => {
    const flags = n.options.flatMap((o) => (o.short ? [o.long, o.short] : [o.long]));
    const valued = n.options.filter((o) => o.takesValue).flatMap((o) => (o.short ? [o.long, o.short] : [o.long]));
    return `    ${shellQuote(n.path.join(' '))}) subs=${words(n.commands.map((c) => c.name))}; opts=${words(flags)}; valued=${words(valued)} ;;`;
  });
  const values = nodes.flatMap((n) => [
    ...n.options.filter((o) => o.choices.length > 0).map((o) => `    ${shellQuote(`${n.path.join(' ')}|${o.long}`)}) echo ${words(o.choices)} ;;`),
    ...(n.argumentChoices.length > 0 ? [`    ${shellQuote(`${n.path.join(' ')}|`)}) echo ${words(n.argumentChoices)} ;;`] : []),
  ]);
  return `# bash completion for agentctl ${version}, generated from its command tree by \`agentctl completion bash\`.
# Install: echo 'source <(agentctl completion bash)' >> ~/.bashrc

_agentctl_spec() {
  case "$1" in
${spec.join('\n')}
    *) subs=''; opts=''; valued='' ;;
  esac
}

_agentctl_values() {
  case "$1|$2" in
${values.join('\n')}
  esac
}

_agentctl() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmdpath='' word i subs opts valued
  _agentctl_spec ''
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if [[ " $valued " == *" $word "* ]]; then
      i=$((i + 1))
    elif [[ $word != -* && " $subs " == *" $word "* ]]; then
      cmdpath=\${cmdpath:+$cmdpath }$word
      _agentctl_spec "$cmdpath"
    fi
  done
  if ((COMP_CWORD > 1)) && [[ " $valued " == *" $prev "* ]]; then
    COMPREPLY=($(compgen -W "$(_agentctl_values "$cmdpath" "$prev")" -- "$cur"))
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n $subs ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(_agentctl_values "$cmdpath" '')" -- "$cur"))
  fi
}

complete -o default -F _agentctl agentctl
`;
}
