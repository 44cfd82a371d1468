import { allNodes, type CompletionNode } from './tree.js';

/** fish single quotes: only \\ and \\' are special inside them. */
const q = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * fish: one `complete` line per command and option, each guarded by `__agentctl_at PATH`, where
 * PATH is the command path typed so far (found by the same walk as bash and zsh, over tables
 * generated from the same tree).
 */
export function fishCompletion(root: CompletionNode, version: string): string {
  const nodes = allNodes(root);
  const table = (name: string, rows: (n: CompletionNode) => string[]) =>
    [
      `function ${name} --argument-names cmdpath`,
      '    switch $cmdpath',
      ...nodes.flatMap((n) => {
        const list = rows(n);
        return list.length ? [`        case ${q(n.path.join(' '))}`, `            printf '%s\\n' ${list.map(q).join(' ')}`] : [];
      }),
      '    end',
      'end',
    ].join('\n');
  const lines: string[] = [];
  for (const n of nodes) {
    const at = q(`__agentctl_at ${q(n.path.join(' '))}`);
    for (const c of n.commands) lines.push(`complete -c agentctl -n ${at} -a ${q(c.name)} -d ${q(c.description)}`);
    if (n.argumentChoices.length) lines.push(`complete -c agentctl -n ${at} -a ${q(n.argumentChoices.join(' '))}`);
    for (const o of n.options) {
      const short = o.short ? ` -s ${o.short.replace(/^-/, '')}` : '';
      const value = o.choices.length ? ` -x -a ${q(o.choices.join(' '))}` : o.takesValue ? ' -r' : '';
      lines.push(`complete -c agentctl -n ${at}${short} -l ${o.long.replace(/^--/, '')}${value} -d ${q(o.description)}`);
    }
  }
  return `# fish completion for agentctl ${version}, generated from its command tree by \`agentctl completion fish\`.
# Install: agentctl completion fish > ~/.config/fish/completions/agentctl.fish

${table('__agentctl_subs', (n) => n.commands.map((c) => c.name))}

${table('__agentctl_valued', (n) => n.options.filter((o) => o.takesValue).flatMap((o) => (o.short ? [o.long, o.short] : [o.long])))}

function __agentctl_path
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cmdpath ''
    set -l skip 0
    for token in $tokens
        if test $skip = 1
            set skip 0
        else if contains -- $token (__agentctl_valued $cmdpath)
            set skip 1
        else if contains -- $token (__agentctl_subs $cmdpath)
            set cmdpath (string trim -- "$cmdpath $token")
        end
    end
    echo $cmdpath
end

function __agentctl_at --argument-names cmdpath
    test (__agentctl_path) = "$cmdpath"
end

complete -c agentctl -f
${lines.join('\n')}
`;
}
