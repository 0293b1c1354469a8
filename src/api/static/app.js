// Site-wide behaviour. htmx 2 does not swap 4xx/5xx responses by default: swap 422 form errors (and other
// error fragments) into their target so people see what went wrong, and follow HX-Redirect on 401.
document.addEventListener("DOMContentLoaded", function () {
  if (window.htmx) {
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true, error: false },
      { code: "401", swap: false },
      { code: "[45]..", swap: true, error: true },
    ];
  }
});

// A print button (certificate, reflection journal): the CSP allows no inline handlers, so it is wired here.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
