// A labelled range input 0..1 with its value shown as a percentage.
export function Slider(props: { label: string; value: number; testId: string; disabled?: boolean; step?: number; onInput: (value: number) => void }) {
  return (
    <label>
      {props.label} <output>{Math.round(props.value * 100)}%</output>
      <input
        type="range"
        min="0"
        max="1"
        step={props.step ?? 0.05}
        value={props.value}
        data-testid={props.testId}
        disabled={props.disabled}
        onInput={(e) => props.onInput(Number((e.currentTarget as HTMLInputElement).value))}
      />
    </label>
  );
}
