/* The back office's workspace and queue (tickets.admin): keyboard shortcuts, confirmation
   before a request ends, canned replies into the composer. A static file: the page's CSP allows
   scripts from this site only, and no inline handlers. */
"use strict";
(function () {
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // Final moves ask first (the button carries the question).
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-confirm]");
    if (!button) { return; }
    if (!window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    const confirmed = document.getElementById("bo-confirmed");
    if (confirmed) { confirmed.value = "1"; }  // asked here: no confirmation page needed
  }, true);

  function composer() { return document.getElementById("id_message"); }

  function setMode(mode) {
    const box = document.getElementById("bo-composer");
    if (box) { box.classList.toggle("bo-note-mode", mode === "note"); }
    const text = composer();
    if (text) { text.focus(); }
  }

  // Canned replies: the filled body goes into the composer; its status and assignee are shown
  // and set, and sent with the reply.
  function cannedReplies() {
    const data = document.getElementById("bo-canned-data");
    return data ? JSON.parse(data.textContent) : [];
  }

  function insertCanned(select) {
    const chosen = cannedReplies().find(function (c) { return String(c.id) === select.value; });
    const hidden = document.getElementById("id_canned_reply");
    const note = document.getElementById("bo-canned-note");
    if (!chosen) { return; }
    const text = composer();
    const start = text.selectionStart || text.value.length;
    const before = text.value.slice(0, start);
    const gap = before && !before.endsWith("\n") ? "\n" : "";
    text.value = before + gap + chosen.body + text.value.slice(text.selectionEnd || start);
    if (hidden) { hidden.value = chosen.id; }
    const assignee = document.getElementById("id_assignee");
    if (assignee && chosen.assignee) {
      assignee.value = String(chosen.assignee);
      assignee.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (note) {
      note.textContent = chosen.transition ? select.dataset.thenPrefix + " " + chosen.then : "";
    }
    select.value = "";
    setMode("reply");
  }

  document.addEventListener("change", function (event) {
    if (event.target.id === "bo-canned") { insertCanned(event.target); }
  });

  // The add page: once an entitlement, environment or service is picked, the requester box
  // offers that organization's members only (select2 reads its ajax url on every search).
  function narrowRequesters() {
    const $ = window.django && window.django.jQuery;
    const requester = $ && $("#id_requester");
    const select2 = requester && requester.data("select2");
    if (!select2 || !select2.dataAdapter || !select2.dataAdapter.ajaxOptions) { return; }
    const base = requester.attr("data-ajax--url");
    const params = new URLSearchParams();
    ["entitlement", "environment", "service"].forEach(function (name) {
      const value = $("#id_" + name).val();
      if (value) { params.set(name, value); }
    });
    const query = params.toString();
    select2.dataAdapter.ajaxOptions.url = query ? base + "?" + query : base;
  }

  window.addEventListener("load", function () {
    const $ = window.django && window.django.jQuery;
    if (!$ || !document.getElementById("id_requester")) { return; }
    $("#id_entitlement, #id_environment, #id_service").on("change", narrowRequesters);
    narrowRequesters();
  });

  // The queue: j/k move along the rows, Enter opens the request.
  function rows() { return Array.from(document.querySelectorAll("#result_list tbody tr")); }
  let current = -1;
  function moveRow(step) {
    const list = rows();
    if (!list.length) { return false; }
    if (current >= 0 && list[current]) { list[current].classList.remove("bo-row-current"); }
    current = Math.max(0, Math.min(list.length - 1, current + step));
    list[current].classList.add("bo-row-current");
    list[current].scrollIntoView({ block: "nearest" });
    return true;
  }

  function follow(id) {
    const link = document.getElementById(id);
    if (link) { window.location.assign(link.href); }
  }

  function toggleHelp(show) {
    const help = document.getElementById("bo-help");
    if (!help) { return; }
    help.hidden = show === undefined ? !help.hidden : !show;
  }

  document.addEventListener("click", function (event) {
    if (event.target.id === "bo-help-toggle") { toggleHelp(); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      toggleHelp(false);
      if (typing(event.target)) { event.target.blur(); }
      return;
    }
    if (event.target.id === "id_message" && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const box = document.getElementById("bo-composer");
      const button = document.getElementById(box && box.classList.contains("bo-note-mode") ? "bo-note" : "bo-send");
      if (button) { event.preventDefault(); button.click(); }
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    const inWorkspace = Boolean(document.getElementById("bo-workspace"));
    switch (event.key) {
      case "j":
        if (inWorkspace) { follow("bo-next"); } else { moveRow(1); }
        break;
      case "k":
        if (inWorkspace) { follow("bo-prev"); } else { moveRow(-1); }
        break;
      case "Enter": {
        const row = rows()[current];
        const link = row && row.querySelector("a[href]");
        if (!inWorkspace && link) { window.location.assign(link.href); }
        return;
      }
      case "r": setMode("reply"); break;
      case "n": setMode("note"); break;
      case "a": {
        const button = document.getElementById("bo-assign-me");
        if (button) { button.click(); }
        break;
      }
      case "?": toggleHelp(); break;
      default: return;
    }
    event.preventDefault();
  });
})();
