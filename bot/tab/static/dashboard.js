// The oversight dashboard tab: sign in (Teams SSO, or the development sign-in), then fetch the views the server
// renders. Every request carries the token; nothing is stored in the browser.
(function () {
  "use strict";

  const signIn = document.body.dataset.signIn;
  const statusLine = document.getElementById("status");
  const problem = document.getElementById("problem");
  let authorization = null;
  const loaded = {};

  function say(text) {
    statusLine.textContent = text || "";
  }

  function showProblem(text) {
    problem.textContent = text;
    problem.hidden = !text;
    if (text) say("");
  }

  function withTimeout(promise, ms, message) {
    return Promise.race([
      promise,
      new Promise(function (_, reject) {
        setTimeout(function () { reject(new Error(message)); }, ms);
      }),
    ]);
  }

  async function header() {
    if (signIn === "development") {
      return authorization;
    }
    // Teams caches the token and renews it before it expires: ask for it before every request.
    try {
      return "Bearer " + await microsoftTeams.authentication.getAuthToken();
    } catch (error) {
      const reason = error && error.message ? error.message : String(error);
      throw new Error("Teams could not sign you in (" + reason + "). Reload the tab; if this keeps happening, ask " +
        "the service desk to check the app's single sign-on set-up.");
    }
  }

  async function api(path, body) {
    const headers = { Authorization: await header() };
    const options = { headers: headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      // Filters go in the body, never the address: access logs and proxies keep addresses.
      options.method = "POST";
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    if (response.ok || response.status === 422) {
      return response;
    }
    let message = "Something went wrong (HTTP " + response.status + "). Reload the tab to try again.";
    try {
      const body = await response.json();
      if (body && body.message) message = body.message;
    } catch (ignored) { /* not JSON: keep the general message */ }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }

  function filenameOf(response, fallback) {
    const disposition = response.headers.get("Content-Disposition") || "";
    const found = /filename="([^"]+)"/.exec(disposition);
    return found ? found[1] : fallback;
  }

  async function download(path, button, body) {
    button.disabled = true;
    const before = button.textContent;
    button.textContent = "Preparing…";
    try {
      const response = await api(path, body);
      if (response.status === 422) {
        showFieldErrors((await response.json()).field_errors || {});
        return;
      }
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = filenameOf(response, "rapid-debrief-export");
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      say("Downloaded " + link.download + ". It is OFFICIAL-SENSITIVE: keep it on force systems.");
    } catch (error) {
      showProblem(error.message);
    } finally {
      button.disabled = false;
      button.textContent = before;
    }
  }

  function exportButtons(container, exports) {
    container.textContent = "";
    if (!exports.length) return;
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = "Export:";
    container.appendChild(label);
    exports.forEach(function (item) {
      [["xlsx", "Excel"], ["csv", "CSV"]].forEach(function (pair) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "secondary";
        button.textContent = item.label + " (" + pair[1] + ")";
        button.dataset.export = item.kind;
        button.dataset.format = pair[0];
        button.addEventListener("click", function () {
          download("/tab/api/exports/" + encodeURIComponent(item.kind) + "?format=" + pair[0], button);
        });
        container.appendChild(button);
      });
    });
  }

  async function fill(view, path, target) {
    say("Loading…");
    try {
      const response = await api(path);
      document.getElementById(target).innerHTML = await response.text();
      loaded[view] = true;
      say("");
    } catch (error) {
      showProblem(error.message);
    }
  }

  function show(view) {
    document.querySelectorAll("[role=tab]").forEach(function (tab) {
      const selected = tab.dataset.view === view;
      tab.setAttribute("aria-selected", selected ? "true" : "false");
      tab.tabIndex = selected ? 0 : -1;
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
    });
    showProblem("");
    if (loaded[view]) return;
    if (view === "figures") fill(view, "/tab/api/figures", "figures");
    if (view === "actions") fill(view, "/tab/api/actions", "actions");
    if (view === "audit") searchAudit(1);
  }

  function auditFilters(page) {
    const form = document.getElementById("audit-form");
    const filters = {};
    ["case_number", "person", "category", "from", "to"].forEach(function (name) {
      filters[name] = form.elements[name].value.trim();
    });
    if (page) filters.page = String(page);
    return filters;
  }

  function showFieldErrors(errors) {
    ["case_number", "person", "category", "from", "to"].forEach(function (name) {
      const message = errors[name] || "";
      document.getElementById("error-" + name).textContent = message;
      const input = document.getElementById("audit-" + name);
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    });
    const other = Object.keys(errors).filter(function (k) {
      return ["case_number", "person", "category", "from", "to"].indexOf(k) < 0;
    });
    if (other.length) showProblem(other.map(function (k) { return errors[k]; }).join(" "));
  }

  async function searchAudit(page) {
    say("Searching…");
    showFieldErrors({});
    try {
      const response = await api("/tab/api/audit", auditFilters(page));
      if (response.status === 422) {
        showFieldErrors((await response.json()).field_errors || {});
        document.getElementById("audit-results").textContent = "";
        say("");
        return;
      }
      document.getElementById("audit-results").innerHTML = await response.text();
      loaded.audit = true;
      say("");
    } catch (error) {
      showProblem(error.message);
    }
  }

  async function start() {
    say("Signing you in…");
    let me;
    try {
      me = await (await api("/tab/api/me")).json();
    } catch (error) {
      showProblem(error.message);
      return;
    }
    document.getElementById("who").textContent = "Signed in as " + me.name +
      (signIn === "development" ? " (development sign-in)" : "");
    say("");
    exportButtons(document.getElementById("exports-figures"), me.exports.filter(function (e) { return e.view === "figures"; }));
    exportButtons(document.getElementById("exports-actions"), me.exports.filter(function (e) { return e.view === "actions"; }));
    document.querySelectorAll("[data-audit-export]").forEach(function (button) {
      button.hidden = !me.auditExport;
    });
    const nav = document.getElementById("views");
    me.views.forEach(function (view) { document.getElementById("tab-" + view).hidden = false; });
    nav.hidden = me.views.length < 2;
    show(me.views[0]);
  }

  document.querySelectorAll("[role=tab]").forEach(function (tab) {
    tab.addEventListener("click", function () { show(tab.dataset.view); });
  });

  document.getElementById("audit-form").addEventListener("submit", function (event) {
    event.preventDefault();
    loaded.audit = false;
    searchAudit(1);
  });

  document.querySelectorAll("[data-audit-export]").forEach(function (button) {
    button.addEventListener("click", function () {
      const filters = auditFilters(0);
      filters.format = button.dataset.auditExport;
      showFieldErrors({});
      download("/tab/api/audit/export", button, filters);
    });
  });

  document.getElementById("audit-results").addEventListener("click", function (event) {
    const target = event.target.closest("[data-page]");
    if (target) searchAudit(Number(target.dataset.page));
  });

  async function developmentSignIn() {
    const section = document.getElementById("dev-sign-in");
    const select = document.getElementById("dev-person");
    section.hidden = false;
    say("Choose who you are.");
    const response = await fetch("/tab/dev/people", { cache: "no-store" });
    const people = await response.json();
    people.forEach(function (person) {
      const option = document.createElement("option");
      option.value = person.id;
      option.textContent = person.name + " (" + (person.roles.join(", ") || "no role") + ")";
      select.appendChild(option);
    });
    document.getElementById("dev-form").addEventListener("submit", function (event) {
      event.preventDefault();
      authorization = "Development " + select.value;
      Object.keys(loaded).forEach(function (k) { delete loaded[k]; });
      ["figures", "actions", "audit-results"].forEach(function (id) { document.getElementById(id).textContent = ""; });
      document.querySelectorAll("[role=tab]").forEach(function (tab) { tab.hidden = true; });
      document.querySelectorAll("[role=tabpanel]").forEach(function (panel) { panel.hidden = true; });
      showProblem("");
      start();
    });
  }

  async function teamsSignIn() {
    if (typeof microsoftTeams === "undefined") {
      showProblem("The Teams library did not load, so you cannot be signed in. Reload the tab.");
      return;
    }
    try {
      await withTimeout(microsoftTeams.app.initialize(), 10000, "not in Teams");
    } catch (error) {
      showProblem("Open this dashboard from the Oversight tab of Rapid Debrief in Teams: it signs you in there.");
      return;
    }
    start();
  }

  if (signIn === "development") developmentSignIn();
  else teamsSignIn();
})();
