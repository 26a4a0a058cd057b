"""Drive the dashboard the way a person does: pick from a select box, type, press a button, pick another — waiting
for Streamlit to finish each run, as a person waits for the screen. Every form test goes through these, so a bug
that only shows when a person clicks (state carried from one item to the next) cannot hide behind scripted state.

Also: a private dashboard over a private copy of a store, and a snapshot of what people's work wrote (the
operational tables and the audit log), read once the dashboard has let go of the file."""

from __future__ import annotations

import contextlib
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import store
from tests.e2e.conftest import free_port, start_dashboard, stop_dashboard

RENDER_TIMEOUT = 60_000
# what people's work writes; the models are rebuilt from raw tables and these
OPERATIONAL_TABLES = ("inbox_state", "inbox_notes", "handoffs", "idea_state", "classification_corrections",
                      "post_classifications", "identity_decisions", "suppressed_identifiers", "erasure_log")
# the audit entries that record looking (who opened which profile, what a role with masked fields searched for);
# every other entry is something a person did
LOOKING_ACTIONS = ("open_profile", "search")


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script (no status widget saying it is running)."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=RENDER_TIMEOUT)
    page.wait_for_timeout(300)  # a click's rerun may not have started yet
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=RENDER_TIMEOUT)
    # a widget whose code the browser has not loaded yet (a segmented control, the first time) is drawn as a
    # placeholder and swapped a moment later, detaching what a person was about to click: wait for it (a while)
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stMain\"] [data-testid=\"stSkeleton\"]')",
                               timeout=10_000)


def into_view(locator: Locator, tries: int = 3) -> None:
    """Scroll `locator` into view; a run that redraws the page can detach the element meanwhile, so look again."""
    for attempt in range(tries):
        try:
            locator.scroll_into_view_if_needed(timeout=RENDER_TIMEOUT)
            return
        except PlaywrightError as error:
            if "not attached" not in str(error) or attempt == tries - 1:
                raise
            settle(locator.page)


def select_box(page: Page, label: str) -> Locator:
    """A select box by its label (Streamlit draws it as an ARIA combo box whose input shows the chosen option)."""
    return page.get_by_role("combobox", name=label, exact=True).first


def choose(page: Page, label: str, option: str, *, exact: bool = True) -> None:
    """Open the select box labelled `label` and click `option` in its list, as a person does."""
    open_list(page, label)
    page.get_by_role("listbox").get_by_role("option", name=option, exact=exact).first.click()
    settle(page)


def chosen(page: Page, label: str) -> str:
    """The option a select box shows now."""
    box = select_box(page, label)
    expect(box).to_be_attached(timeout=RENDER_TIMEOUT)
    return box.input_value().strip()


def options(page: Page, label: str) -> list[str]:
    """Every option a select box offers (opens and closes its list)."""
    box = select_box(page, label)
    into_view(box)
    box.click()
    page.get_by_role("option").first.wait_for(timeout=RENDER_TIMEOUT)
    found = [text.strip() for text in page.get_by_role("option").all_inner_texts()]
    page.keyboard.press("Escape")
    return found


def type_into(page: Page, label: str, text: str) -> None:
    """Clear the text box labelled `label` and type `text` key by key (no Enter: a form keeps it until saved)."""
    box = page.get_by_label(label, exact=True).first
    into_view(box)
    box.click()
    box.press("ControlOrMeta+a")
    box.press("Delete")
    box.press_sequentially(text)


def field_value(page: Page, label: str) -> str:
    return page.get_by_label(label, exact=True).first.input_value()


def press(page: Page, name: str) -> None:
    """Click the button called `name` and wait for the run it starts."""
    button = page.get_by_role("button", name=re.compile(re.escape(name))).first
    into_view(button)
    button.click()
    settle(page)


def pick_row(page: Page, table: Locator, row: int) -> None:
    """Tick a data grid's selection box on row `row` (0 is the first data row)."""
    into_view(table)
    expect(table.locator("td[role=gridcell]").first).to_be_attached(timeout=RENDER_TIMEOUT)
    box = table.bounding_box()
    # the grid draws a 35 px header and 35 px rows; the selection box sits in the first 30 px
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 35 * row + 17)
    settle(page)


def page_text(page: Page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


# ---------------------------------------------------------------- a private dashboard and what it wrote


@dataclass
class Dashboard:
    url: str
    store_file: Path


@contextlib.contextmanager
def private_dashboard(source_store: Path, folder: Path, **options) -> Iterator[Dashboard]:
    """`streamlit run` over a private copy of `source_store`, stopped (the file released) on leaving."""
    folder.mkdir(parents=True, exist_ok=True)
    store_file = folder / "private.duckdb"
    shutil.copy(source_store, store_file)
    process, url = start_dashboard(store_file, free_port(), folder / "streamlit.log", **options)
    try:
        yield Dashboard(url, store_file)
    finally:
        stop_dashboard(process)


def work_written(store_file: Path) -> dict[str, list[str]]:
    """Every row of the operational tables, and the audit entries that change something (not those of looking)."""
    con = store.connect(store_file, read_only=True)
    try:
        found = {table: sorted(map(repr, con.execute(f"select * from {table}").fetchall()))
                 for table in OPERATIONAL_TABLES}
        found["audit_log (changes)"] = sorted(map(repr, con.execute(
            "select * exclude (audit_id) from audit_log where action not in (select unnest(?))",
            [list(LOOKING_ACTIONS)]).fetchall()))
    finally:
        con.close()
    return found


def grid_cells(table: Locator) -> list[str]:
    """The texts of a data grid's cells, row by row (read from the grid's accessible table; a link cell reads as
    its address)."""
    expect(table.locator("td[role=gridcell]").first).to_be_attached(timeout=RENDER_TIMEOUT)
    return table.locator("td[role=gridcell]").all_inner_texts()


def open_in_new_tab(page: Page, base_url: str, link: str) -> Page:
    """What the browser does with a link cell that opens a new tab: a new page, a new Streamlit session."""
    tab = page.context.new_page()
    tab.goto(f"{base_url}/{link.removeprefix('./')}")
    settle(tab)
    return tab


# ---------------------------------------------------------------- charts and tables, as a person reads and clicks them

# every marker or bar Plotly drew, with its trace, its data and where it sits on the screen
PLOT_POINTS_JS = """(plot) => {
    const found = [];
    plot.querySelectorAll('g.trace').forEach((group) => {
        const calc = group.__data__;
        if (!calc || !calc[0] || !calc[0].trace) return;
        const trace = calc[0].trace;
        group.querySelectorAll('.point').forEach((mark, n) => {
            const i = mark.__data__ && mark.__data__.i !== undefined ? mark.__data__.i : n;
            const box = mark.getBoundingClientRect();
            if (!box.width && !box.height) return;
            found.push({trace: trace.name, x: trace.x ? trace.x[i] : null, y: trace.y ? trace.y[i] : null,
                        custom: trace.customdata ? trace.customdata[i] : null,
                        cx: box.x + box.width / 2, cy: box.y + box.height / 2,
                        w: box.width, h: box.height});
        });
    });
    return found;
}"""


def plot_points(page: Page, plot: Locator) -> list[dict]:
    """The chart's markers and bars (trace, x, y, custom data, screen centre and size), scrolled into view first."""
    into_view(plot)
    expect(plot.locator(".point").first).to_be_attached(timeout=RENDER_TIMEOUT)
    page.wait_for_timeout(300)  # Plotly may still be laying out after the scroll
    return plot.evaluate(PLOT_POINTS_JS)


def click_point(page: Page, point: dict) -> None:
    """Click a marker or bar found by plot_points, and wait for the run it starts."""
    page.mouse.move(point["cx"], point["cy"])
    page.mouse.click(point["cx"], point["cy"])
    settle(page)


def grid_with_column(page: Page, header: str) -> Locator:
    """The data grid that has a column called `header`."""
    return page.locator('[data-testid="stDataFrame"]').filter(
        has=page.locator("th[role=columnheader]", has_text=re.compile(f"^{re.escape(header)}$"))).first


def grid_rows(table: Locator) -> list[dict[str, str]]:
    """The rows a data grid shows now, each as {column header: cell text} (only the rows it has drawn)."""
    into_view(table)
    expect(table.locator("th[role=columnheader]").first).to_be_attached(timeout=RENDER_TIMEOUT)
    headers = [text.strip() for text in table.locator("th[role=columnheader]").all_inner_texts()]
    rows = []
    for row in table.locator("tbody tr[role=row]").all():
        cells = [text.strip() for text in row.locator("td[role=gridcell]").all_inner_texts()]
        rows.append(dict(zip(headers, cells, strict=False)))
    return rows


def grid_rows_once(page: Page, header: str, shown: Callable[[list[dict[str, str]]], bool]) -> list[dict[str, str]]:
    """The rows of the grid with column `header` once `shown(rows)` holds — as a person waits for a filter's rerun
    to reach the grid (on a loaded machine it can start after `settle` looked) — or, at the time limit, the rows
    it shows then, for the test's own assertion to fail on."""
    deadline = time.monotonic() + RENDER_TIMEOUT / 1000
    while True:
        rows = grid_rows(grid_with_column(page, header))
        if shown(rows) or time.monotonic() > deadline:
            return rows
        page.wait_for_timeout(250)
        settle(page)


def grid_row_count(table: Locator) -> int:
    """How many data rows the grid holds (drawn or not)."""
    expect(table.locator("table[role=grid]")).to_be_attached(timeout=RENDER_TIMEOUT)
    return int(table.locator("table[role=grid]").get_attribute("aria-rowcount")) - 1


def add_to_multiselect(page: Page, label: str, option: str) -> None:
    """Open the multiselect labelled `label`, click `option`, close the list, and wait for the run."""
    open_list(page, label)
    page.get_by_role("listbox").get_by_role("option", name=option, exact=True).first.click()
    page.keyboard.press("Escape")
    settle(page)


def open_list(page: Page, label: str, tries: int = 3) -> None:
    """Click the combo box labelled `label` until its list shows (a click during a run's redraw can be lost)."""
    box = page.get_by_role("combobox", name=label, exact=True).first
    for attempt in range(tries):
        into_view(box)
        box.click()
        try:
            expect(page.get_by_role("listbox").first).to_be_visible(timeout=5_000)
            return
        except AssertionError:
            if attempt == tries - 1:
                raise
            settle(page)
