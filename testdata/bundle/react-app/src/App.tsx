import { lazy, Suspense, useState } from "react";
import Header from "@/components/Header";
import Counter from "./components/Counter";
import logo from "./assets/logo.png";
import dot from "./assets/dot.svg";
import viteLogo from "/vite.svg";
import notes from "./notes.txt?raw";
import config from "./config.json";
import styles from "./App.module.css";

const Heavy = lazy(() => import("./Heavy"));

export default function App() {
  const [showHeavy, setShowHeavy] = useState(false);
  return (
    <main className={styles.app}>
      <Header title={config.title} />
      <img src={logo} className="logo" alt="logo" />
      <img src={dot} alt="" />
      <img src={viteLogo} alt="Vite logo" />
      <p data-api={import.meta.env.VITE_API_URL} data-mode={import.meta.env.MODE}>
        {notes}
      </p>
      <Counter start={1} />
      <button onClick={() => setShowHeavy(true)}>Load more</button>
      {showHeavy && (
        <Suspense fallback={<p>Loading…</p>}>
          <Heavy />
        </Suspense>
      )}
    </main>
  );
}
