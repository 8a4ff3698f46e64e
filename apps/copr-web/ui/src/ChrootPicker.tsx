/** Checkboxes for chroots; `chosen` is the checked subset. */
export function ChrootPicker({ legend, chroots, chosen, onChange, name }: {
  legend: string;
  chroots: readonly string[];
  chosen: ReadonlySet<string>;
  onChange: (chosen: Set<string>) => void;
  name: string;
}) {
  const toggle = (c: string, on: boolean): void => {
    const next = new Set(chosen);
    if (on) next.add(c);
    else next.delete(c);
    onChange(next);
  };
  return (
    <fieldset className="chroots">
      <legend>{legend}</legend>
      {chroots.map((c) => (
        <label key={c}>
          <input type="checkbox" name={name} value={c} checked={chosen.has(c)} onChange={(e) => toggle(c, e.target.checked)} /> {c}
        </label>
      ))}
    </fieldset>
  );
}
