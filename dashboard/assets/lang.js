// The language and title of the page shown, on <html> and in the browser tab too (for
// screen readers, translation tools and tabs): each page marks its root with lang and
// data-page-title, and Dash swaps pages without reloading the document (Dash's own title
// cannot follow ?lang=en: its title functions see no query parameters).
(function () {
    function follow() {
        var page = document.querySelector('#_pages_content [lang]');
        if (page && page.lang && document.documentElement.lang !== page.lang) {
            document.documentElement.lang = page.lang;
        }
        var titled = document.querySelector('#_pages_content [data-page-title]');
        var title = titled && titled.getAttribute('data-page-title');
        if (title && document.title !== title) {
            document.title = title;
        }
    }
    new MutationObserver(follow).observe(document.documentElement,
                                         { childList: true, subtree: true });
})();
