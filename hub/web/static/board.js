// The screening board: fetches the API with the user's token and draws the queue.
// Text is set with textContent only, never as HTML.
"use strict";

const TOKEN_KEY = "mash-hub-token";

function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return fetch(path, { headers: { Authorization: "Bearer " + token } }).then(async (response) => {
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(body.detail || "The hub answered " + response.status + ".");
    }
    return body;
  });
}

const DUE_FORMAT = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };

function duration(minutes) {
  const total = Math.abs(minutes);
  if (total >= 48 * 60) return Math.floor(total / (24 * 60)) + " days";
  const hours = Math.floor(total / 60);
  return (hours ? hours + " h " : "") + (total % 60) + " min";
}

function timeLeft(entry) {
  const due = "due " + new Date(entry.rag_deadline).toLocaleString("en-GB", DUE_FORMAT);
  if (entry.minutes_left < 0) return due + " · overdue by " + duration(entry.minutes_left);
  return due + " · " + duration(entry.minutes_left) + " left";
}

function item(entry) {
  const li = document.createElement("li");
  if (entry.breached) li.classList.add("breached");
  const ref = document.createElement("span");
  ref.className = "ref";
  ref.textContent = entry.reference;
  li.appendChild(ref);
  if (entry.out_of_hours) {
    const tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = "out of hours";
    li.appendChild(tag);
  }
  const left = document.createElement("span");
  left.className = "left";
  left.textContent = entry.rag
    ? timeLeft(entry)
    : "received " + new Date(entry.received_at).toLocaleString("en-GB", DUE_FORMAT);
  li.appendChild(left);
  return li;
}

function drawQueue(queue) {
  for (const rag of ["red", "amber", "green", "unrated"]) {
    const list = document.querySelector('.column[data-rag="' + rag + '"] ol');
    list.replaceChildren(...queue[rag].map(item));
  }
  const open = queue.red.length + queue.amber.length + queue.green.length + queue.unrated.length;
  document.getElementById("summary").textContent =
    open + " open contacts, " + queue.breached + " past their deadline.";
  document.getElementById("board").hidden = false;
}

function drawProducts(products) {
  const list = document.querySelector("#products ol");
  list.replaceChildren(...products.map((product) => {
    const li = document.createElement("li");
    li.textContent = product.proposed_outcome.replaceAll("_", " ") + " · sent " +
      new Date(product.disseminated_at).toLocaleString("en-GB");
    return li;
  }));
  document.getElementById("products").hidden = false;
}

async function show() {
  const message = document.getElementById("message");
  message.textContent = "";
  try {
    const me = await api("/api/v1/me");
    document.getElementById("who").textContent =
      "Signed in as " + me.sub + " (" + me.role.replaceAll("_", " ") + (me.team ? ", " + me.team : "") + ").";
    document.getElementById("token-form").hidden = true;
    document.getElementById("sign-out").hidden = false;
    if (me.role === "operational") {
      drawProducts(await api("/api/v1/products"));
    } else {
      drawQueue(await api("/api/v1/screening/queue"));
    }
  } catch (error) {
    message.textContent = error.message;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value.trim());
    document.getElementById("token").value = "";
    show();
  });
  document.getElementById("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });
  if (sessionStorage.getItem(TOKEN_KEY)) show();
  setInterval(() => { if (sessionStorage.getItem(TOKEN_KEY)) show(); }, 60000);
});
