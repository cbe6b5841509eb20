"""Views: engine results turned into what people read (Swedish tables, charts, maps, suppression).

Shared by the HTML report, the Excel export and the CLI. Every figure that rests on fewer than
10 students is shown as ``..`` (see :mod:`likvard.views.suppression`).
"""
