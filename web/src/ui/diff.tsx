/** A unified diff, each line coloured by what it does; the text is shown as text, never markup. */
export function Diff({ text }: { text: string }) {
  const lines = text.replace(/\n$/, '').split('\n');
  return (
    <pre class="code diff" aria-label="diff">
      {lines.map((line, i) => {
        const kind = line.startsWith('+++') || line.startsWith('---') ? 'file' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : 'ctx';
        return <span key={i} class={`dl ${kind}`}>{line}{'\n'}</span>;
      })}
    </pre>
  );
}
