// The NPLV monitor's overview: a click on a column header sorts the grid, and this tells
// the page which column, so the sort goes into the address (the grid's own columnState
// prop lags one sort behind). Named in the grid's eventListeners (pages/monitor.py).
(function () {
    "use strict";
    var fns = window.dashAgGridFunctions = window.dashAgGridFunctions || {};
    fns.zowSortChanged = function (params, setEventData) {
        var columns = params.api.getColumnState()
            .filter(function (c) { return c.sort; })
            .map(function (c) { return { colId: c.colId, sort: c.sort, index: c.sortIndex }; });
        setEventData({ type: "sort", columns: columns, at: Date.now() });
    };
})();
