document.getElementById("root").textContent = "rendered by app.js";
