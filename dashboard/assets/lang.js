// The language of the page shown, on <html> too (for screen readers and translation tools):
// each page marks its root with lang, and Dash swaps pages without reloading the document.
(function () {
    function follow() {
        var page = document.querySelector('#_pages_content [lang]');
        if (page && page.lang && document.documentElement.lang !== page.lang) {
            document.documentElement.lang = page.lang;
        }
    }
    new MutationObserver(follow).observe(document.documentElement,
                                         { childList: true, subtree: true });
})();
