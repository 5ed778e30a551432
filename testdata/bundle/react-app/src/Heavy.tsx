import "./Heavy.css";

const rows = Array.from({ length: 20 }, (_, i) => `row ${i + 1}`);

export default function Heavy() {
  return (
    <ul className="heavy">
      {rows.map((r) => (
        <li key={r}>{r}</li>
      ))}
    </ul>
  );
}
