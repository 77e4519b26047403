// The search page: results as the reader types, from the Pagefind index the build wrote
// beside this site (no server, no third-party request). Every text a result shows is set
// as text; only Pagefind's <mark> highlights become elements.
const me = document.querySelector("script[data-index]");
const form = document.querySelector(".search-form");
const input = form.querySelector("input[name=q]");
const controls = form.querySelector(".search-controls");
const order = form.querySelector("select[name=order]");
const status = document.querySelector(".search-status");
const list = document.querySelector(".search-results");
const strings = JSON.parse(me.dataset.strings);
const lang = document.documentElement.lang || me.dataset.lang;
const FILTERS = ["section", "author", "year"];
const SHOWN = 20;
const dates = new Intl.DateTimeFormat(lang, { year: "numeric", month: "long", day: "numeric" });
const selects = {};
let pagefind = null;
let latest = 0;

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Pagefind's excerpt is escaped text with <mark> around the matches: rebuild it from text
// nodes so nothing else in it can become markup.
function excerpt(html) {
  const p = element("p", "search-excerpt");
  const parts = html.split(/(<mark>|<\/mark>)/);
  let marked = false;
  for (const part of parts) {
    if (part === "<mark>") marked = true;
    else if (part === "</mark>") marked = false;
    else if (part) {
      const text = new DOMParser().parseFromString(part, "text/html").documentElement.textContent;
      p.append(marked ? element("mark", "", text) : document.createTextNode(text));
    }
  }
  return p;
}

function result(data) {
  const item = element("li", "search-result");
  const article = element("article");
  if (data.meta.image) {
    const img = element("img", "search-thumb");
    img.src = data.meta.image;
    img.alt = "";
    img.width = 160;
    img.height = 90;
    img.loading = "lazy";
    article.append(img);
  }
  const heading = element("h2", "search-title");
  const link = element("a", "", data.meta.title || data.url);
  link.href = data.url;
  heading.append(link);
  const facts = element("p", "search-facts");
  if (data.meta.date) {
    const time = element("time", "", dates.format(new Date(data.meta.date)));
    time.dateTime = data.meta.date;
    facts.append(time);
  }
  if (data.meta.section) facts.append(element("span", "search-section", data.meta.section));
  article.append(heading, facts, excerpt(data.excerpt || ""));
  item.append(article);
  return item;
}

function chosenFilters() {
  const chosen = {};
  for (const name of FILTERS) {
    if (selects[name] && selects[name].value) chosen[name] = selects[name].value;
  }
  return chosen;
}

async function run() {
  const query = input.value.trim().slice(0, 200);
  const mine = ++latest;
  const url = new URL(location.href);
  if (query) url.searchParams.set("q", query);
  else url.searchParams.delete("q");
  history.replaceState(null, "", url);
  if (!query) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  const options = { filters: chosenFilters() };
  if (order.value === "newest") options.sort = { date: "desc" };
  const search = await pagefind.search(query, options);
  if (mine !== latest) return; // the reader has typed on since
  const found = await Promise.all(search.results.slice(0, SHOWN).map((r) => r.data()));
  if (mine !== latest) return;
  list.replaceChildren(...found.map(result));
  const count = search.results.length;
  status.textContent = count === 0 ? fill(strings.none, { query })
    : fill(count === 1 ? strings.results_one : strings.results, { count, query });
}

async function addFilters() {
  const available = await pagefind.filters();
  for (const name of FILTERS) {
    const values = Object.keys(available[name] || {}).sort();
    if (name === "year") values.reverse();
    if (!values.length) continue;
    const label = element("label", "", strings[name] + " ");
    const select = element("select");
    select.name = name;
    select.append(new Option(strings.any, ""));
    for (const value of values) select.append(new Option(value, value));
    select.addEventListener("change", run);
    label.append(select);
    controls.append(label);
    selects[name] = select;
  }
}

async function start() {
  pagefind = await import(me.dataset.index + "pagefind.js");
  await pagefind.options({ baseUrl: me.dataset.base, excerptLength: 24 });
  await addFilters();
  controls.hidden = false;
  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  });
  order.addEventListener("change", run);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  const asked = new URLSearchParams(location.search).get("q");
  if (asked) input.value = asked.slice(0, 200);
  document.documentElement.dataset.searchReady = "1";
  if (input.value) await run();
}

start();
