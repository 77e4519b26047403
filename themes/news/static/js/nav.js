/* On a phone the section bar scrolls sideways; show the reader's current section
   in it rather than leaving it hidden past the right edge. */
(function () {
  "use strict";
  var current = document.querySelector(".sections [aria-current]");
  if (!current) return;
  var bar = current.closest("ul");
  var item = current.parentNode;
  if (item.offsetLeft + item.offsetWidth > bar.clientWidth) {
    bar.scrollLeft = item.offsetLeft - (bar.clientWidth - item.offsetWidth) / 2;
  }
})();
