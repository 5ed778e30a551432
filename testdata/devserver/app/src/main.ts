import "./style.css";
import { message } from "./message";

const el = document.getElementById("app")!;
el.innerHTML = `<h1 id="msg">${message}</h1><p id="api"></p>`;
fetch("/api/hello")
  .then((r) => r.text())
  .then((t) => (document.getElementById("api")!.textContent = t));
