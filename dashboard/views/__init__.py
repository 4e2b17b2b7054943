"""View models: per page, the view state (from and to the URL) and the data it shows.

No Dash here: functions of the store and the view that return frames and dataclasses, so
each is tested without an app. Pages turn them into components."""
