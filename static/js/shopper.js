// The storefront's phone layout and search box, without inline script (the CSP forbids it).
// Without JavaScript, static/css/nojs.css shows the menu links and the filters in the page.
//
//   [data-menu-toggle]   the header's menu button: opens and closes #site-menu (aria-expanded)
//   [data-drawer-toggle] "Filter (n)": opens the filter drawer; [data-drawer-close] and Escape close it
//   #site-search-q       the ARIA combobox: arrow keys move through the suggestions, Enter opens
//                        the active one, Escape closes the list
(function () {
  "use strict";

  // ------------------------------------------------------------ header menu
  function menuButton() {
    return document.querySelector("[data-menu-toggle]");
  }

  function setMenu(open, restoreFocus) {
    var button = menuButton();
    var menu = document.getElementById("site-menu");
    if (!button || !menu) {
      return;
    }
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("is-open", open);
    if (open) {
      var first = menu.querySelector("a, button");
      if (first) {
        first.focus();
      }
    } else if (restoreFocus) {
      button.focus();
    }
  }

  function menuIsOpen() {
    var button = menuButton();
    return !!button && button.getAttribute("aria-expanded") === "true";
  }

  // ------------------------------------------------------------ filter drawer
  function drawer() {
    return document.querySelector("[data-drawer]");
  }

  function drawerToggle() {
    return document.querySelector("[data-drawer-toggle]");
  }

  function drawerIsOpen() {
    var panel = drawer();
    return !!panel && panel.classList.contains("is-open");
  }

  function setDrawer(open) {
    var panel = drawer();
    if (!panel) {
      return;
    }
    panel.classList.toggle("is-open", open);
    document.documentElement.classList.toggle("drawer-open", open);
    var toggle = drawerToggle();
    if (toggle) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    if (open) {
      panel.setAttribute("role", "dialog");
      panel.setAttribute("aria-modal", "true");
      var first = panel.querySelector("input, select, button:not([data-drawer-close])");
      (first || panel).focus();
    } else {
      panel.removeAttribute("role");
      panel.removeAttribute("aria-modal");
      if (toggle) {
        toggle.focus();
      }
    }
  }

  // Keep Tab inside the open drawer (it is modal on phones).
  function trapFocus(event) {
    var panel = drawer();
    var focusable = Array.prototype.filter.call(
      panel.querySelectorAll("a[href], button, input, select, textarea"),
      function (el) {
        return !el.disabled && el.offsetParent !== null;
      }
    );
    if (!focusable.length) {
      return;
    }
    var first = focusable[0];
    var last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  // ------------------------------------------------------------ search combobox
  function searchBox() {
    return document.getElementById("site-search-q");
  }

  function options() {
    var list = document.getElementById("search-suggestions-list");
    return list ? Array.prototype.slice.call(list.querySelectorAll("[role=option]")) : [];
  }

  function syncExpanded() {
    var input = searchBox();
    if (input) {
      var open = options().length > 0;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open) {
        input.removeAttribute("aria-activedescendant");
      }
    }
  }

  function closeSuggestions() {
    var box = document.getElementById("search-suggestions");
    if (box) {
      box.innerHTML = "";
    }
    syncExpanded();
  }

  function activate(index) {
    var input = searchBox();
    var all = options();
    all.forEach(function (option, n) {
      option.setAttribute("aria-selected", n === index ? "true" : "false");
      option.classList.toggle("is-active", n === index);
    });
    if (index >= 0 && all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function activeIndex() {
    var input = searchBox();
    var id = input && input.getAttribute("aria-activedescendant");
    return options().findIndex(function (option) {
      return option.id === id;
    });
  }

  function onSearchKey(event) {
    var all = options();
    var current = activeIndex();
    if (event.key === "ArrowDown" && all.length) {
      event.preventDefault();
      activate(current + 1 >= all.length ? 0 : current + 1);
    } else if (event.key === "ArrowUp" && all.length) {
      event.preventDefault();
      activate(current <= 0 ? all.length - 1 : current - 1);
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      window.location.assign(all[current].href);
    } else if (event.key === "Escape" && all.length) {
      event.preventDefault();
      event.stopPropagation();
      closeSuggestions();
    }
  }

  // ------------------------------------------------------------ wiring
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-menu-toggle]")) {
      setMenu(!menuIsOpen(), false);
      return;
    }
    if (event.target.closest("[data-drawer-toggle]")) {
      setDrawer(true);
      return;
    }
    if (event.target.closest("[data-drawer-close]")) {
      setDrawer(false);
      return;
    }
    if (drawerIsOpen() && !event.target.closest("[data-drawer]")) {
      setDrawer(false); // a tap on the shade beside the drawer
      return;
    }
    if (menuIsOpen() && !event.target.closest("#site-menu")) {
      setMenu(false, false);
    }
    if (!event.target.closest(".site-search")) {
      closeSuggestions();
    }
  });

  document.addEventListener("submit", function (event) {
    // "Show products" applies the filters (htmx) and closes the drawer.
    if (drawerIsOpen() && event.target.closest("[data-drawer]")) {
      setDrawer(false);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.target === searchBox()) {
      onSearchKey(event);
      if (event.defaultPrevented) {
        return;
      }
    }
    if (event.key === "Escape") {
      if (drawerIsOpen()) {
        setDrawer(false);
      } else if (menuIsOpen()) {
        setMenu(false, true);
      }
    } else if (event.key === "Tab" && drawerIsOpen()) {
      trapFocus(event);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "search-suggestions") {
      syncExpanded();
    }
    if (event.detail.target && event.detail.target.id === "catalog-results" && drawerIsOpen()) {
      var toggle = drawerToggle();
      if (toggle) {
        toggle.setAttribute("aria-expanded", "true");
      }
    }
  });

  document.addEventListener("focusout", function (event) {
    // Leaving the search box (not for an option, which is clicked) closes the suggestions.
    if (event.target === searchBox() && !(event.relatedTarget && event.relatedTarget.closest(".site-search"))) {
      window.setTimeout(function () {
        if (document.activeElement !== searchBox()) {
          closeSuggestions();
        }
      }, 150);
    }
  });
})();
