// The portal's only script besides htmx. After htmx swaps a part of the page (a reply, a status
// change), keyboard focus moves to the part's message, so a screen reader reads the result and
// the keyboard goes on from there instead of from the top of the page.
document.addEventListener("htmx:afterSwap", function (event) {
  var message = event.detail.target.querySelector(".message, .problem");
  if (message) {
    message.setAttribute("tabindex", "-1");
    message.focus();
  }
});
