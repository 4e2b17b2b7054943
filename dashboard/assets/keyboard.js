// Keyboard and touch help the components do not give by themselves.
//
// 1. Dash 4's dropdown opens with the focus on the chosen option, so typing does nothing
//    (300 arrow presses to reach Utrecht). An opened dropdown now puts the cursor in its
//    search box; a letter typed on a closed dropdown opens it (Dash does that), and the
//    letters typed while it opens land in the box, in order.
// 2. AG Grid rows: Enter or Space on a row selects its region, as a click does (grids
//    with the class zow-region-grid).
// 3. The map on a touch screen: one finger scrolls the page, two fingers move the map
//    (MapLibre's cooperative gestures), so a swipe over the map never traps the reader.
(function () {
    "use strict";

    // ------------------------------------------------------------------ dropdowns
    var pendingText = "";
    var openedAt = 0;

    function focusSearch(content) {
        var box = content.querySelector("input.dash-dropdown-search");
        if (!box) { pendingText = ""; return; }
        box.focus();
        if (pendingText) {
            // Type the letters typed while it opened, as if typed into the box. Taken before
            // the input event: it can move the focus and bring us back here re-entrantly.
            var text = pendingText;
            pendingText = "";
            var setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
            setter.call(box, box.value + text);
            box.dispatchEvent(new Event("input", { bubbles: true }));
        }
    }

    new MutationObserver(function (records) {
        records.forEach(function (record) {
            record.addedNodes.forEach(function (node) {
                if (node.nodeType !== 1) { return; }
                var content = node.matches(".dash-dropdown-content") ? node
                    : node.querySelector && node.querySelector(".dash-dropdown-content");
                // The popover puts its own focus on the chosen option a moment later;
                // the focusin handler below moves it on to the box.
                if (content) {
                    openedAt = Date.now();
                    setTimeout(function () { focusSearch(content); }, 0);
                }
            });
        });
    }).observe(document.documentElement, { childList: true, subtree: true });

    document.addEventListener("focusin", function (event) {
        var target = event.target;
        if (Date.now() - openedAt > 500 || !(target instanceof HTMLElement)) { return; }
        var content = target.closest(".dash-dropdown-content");
        if (content && !target.matches("input.dash-dropdown-search")) { focusSearch(content); }
    });

    // Letters typed while a dropdown opens (on the button, or on the option the popover
    // focuses first) belong in its search box, in order: on a busy machine the box takes the
    // focus only after several letters were typed. Where the box exists the focus moves to
    // it during the keydown, so the browser types the letter there itself; before it
    // exists, letters wait in pendingText (focusSearch puts them in).
    document.addEventListener("keydown", function (event) {
        var target = event.target;
        if (!(target instanceof HTMLElement) || event.ctrlKey || event.metaKey || event.altKey
            || event.key.length !== 1 || event.key === " ") {
            return;
        }
        if (target.matches("input.dash-dropdown-search")) { return; }
        var content = target.closest(".dash-dropdown-content");
        var wrapper = !content && target.closest(".dash-dropdown-wrapper");
        var button = wrapper && wrapper.querySelector("button.dash-dropdown");
        if (!content && !button) { return; }
        // A letter on a closed dropdown: Dash opens it and puts the letter in its box.
        if (button && button.getAttribute("aria-expanded") !== "true") { return; }
        content = content || document.querySelector(".dash-dropdown-content");
        var box = content && content.querySelector("input.dash-dropdown-search");
        if (!box) {
            pendingText += event.key;
            event.preventDefault();
            return;
        }
        focusSearch(content);  // puts waiting letters in first; this one follows natively
    }, true);

    // --------------------------------------------------------------------- grids
    // Enter or Space on a cell of a grid whose rows are regions clicks it: the grid's
    // cellClicked selects the region, one path for mouse and keyboard. (AG Grid's own
    // cellKeyDown fires only for the cell its focus service tracks, not for every focused
    // cell.)
    document.addEventListener("keydown", function (event) {
        if (event.key !== "Enter" && event.key !== " ") { return; }
        var cell = event.target instanceof HTMLElement && event.target.closest(".ag-cell");
        if (!cell || !cell.closest(".zow-region-grid")) { return; }
        event.preventDefault();
        event.stopPropagation();
        cell.click();
    }, true);

    // ----------------------------------------------------------------------- map
    var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    function cooperate() {
        document.querySelectorAll("#map .js-plotly-plot").forEach(function (el) {
            var sub = el._fullLayout && el._fullLayout.map && el._fullLayout.map._subplot;
            var map = sub && sub.map;
            if (map && map.cooperativeGestures && !el.__zowCooperative) {
                el.__zowCooperative = true;
                map.cooperativeGestures.enable();
            }
        });
    }
    if (touch) {
        new MutationObserver(cooperate).observe(document.documentElement,
                                                { childList: true, subtree: true });
    }
})();
