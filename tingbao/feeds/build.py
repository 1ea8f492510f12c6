"""Build public/: read the stores, render feeds and pages (pure), write what changed.

Idempotent: unchanged inputs rewrite no file. Pages and static files are written before the
feeds, so a feed never links to a page that is missing; audio is linked only when its file is
published with the recorded size.

With several papers each paper's site is built on its own into its folder of public/
("slug/": its issues only, linked from the paper's base URL), and `build_papers_index` writes the
top-level index of the papers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources

from tingbao.feeds.atom import render_atom
from tingbao.feeds.cover import solid_png
from tingbao.feeds.items import build_date, feed_items, podcast_items
from tingbao.feeds.layout import SCRIPT, STYLESHEET
from tingbao.feeds.pages import render_site
from tingbao.feeds.papers import render_papers_index
from tingbao.feeds.rss import render_rss
from tingbao.feeds.settings import FeedsSettings
from tingbao.feeds.view import (
    COVER_IMAGE,
    FEED_ATOM,
    FEED_PODCAST,
    FEED_RSS,
    HOME_PAGE,
    IssueView,
    Site,
    issue_views,
    site_from_settings,
)
from tingbao.paper.settings import PaperSettings
from tingbao.publish.publisher import Publisher, in_folder
from tingbao.store.assets import ISSUE_CHAPTERS, Asset, AssetStore
from tingbao.store.issues import IssueStore

# Lists the pages of the last build, so pages of articles dropped by a correction are removed.
MANIFEST = ".pages-manifest.txt"  # bookkeeping: a dot name, so no server serves it


@dataclass(frozen=True)
class BuildReport:
    """What a build did: files written, left alone and removed; issues and feed items shown."""

    written: tuple[str, ...] = ()
    unchanged: int = 0
    removed: tuple[str, ...] = ()
    issues: int = 0
    feed_items: int = 0
    missing_audio: tuple[str, ...] = field(default=())  # asset paths recorded but not published

    @property
    def changed(self) -> bool:
        """Return whether any file was written or removed."""
        return bool(self.written or self.removed)


def static_files() -> dict[str, bytes]:
    """Return the stylesheet and script shipped in this package."""
    folder = resources.files("tingbao.feeds").joinpath("static")
    return {
        STYLESHEET: folder.joinpath("tingbao.css").read_bytes(),
        SCRIPT: folder.joinpath("player.js").read_bytes(),
    }


def render_feeds(views: list[IssueView], site: Site) -> dict[str, bytes]:
    """Return feed.xml, atom.xml and podcast.xml for these views."""
    built = build_date(views)
    items = feed_items(views, site)
    episodes = podcast_items(views, site)
    return {
        FEED_RSS: render_rss(items, site, FEED_RSS, built),
        FEED_ATOM: render_atom(items, site, FEED_ATOM, built),
        FEED_PODCAST: render_rss(episodes, site, FEED_PODCAST, built, f"{site.name}（整期朗读）"),
    }


def published_assets(
    assets: Mapping[tuple[str, str], Asset], publisher: Publisher
) -> tuple[dict[tuple[str, str], Asset], list[str]]:
    """Return the assets whose files are published with their recorded size, and the others."""
    present: dict[tuple[str, str], Asset] = {}
    missing: list[str] = []
    for key, asset in assets.items():
        if publisher.exists(asset.path) and publisher.size(asset.path) == asset.size:
            present[key] = asset
        else:
            missing.append(asset.path)
    return present, sorted(missing)


def _write_if_changed(publisher: Publisher, path: str, data: bytes) -> bool:
    return publisher.write_bytes(path, data)  # publishers skip unchanged bytes cheaply


def build_public(
    settings: FeedsSettings,
    paper: PaperSettings,
    issues: IssueStore,
    assets: AssetStore,
    root: Publisher,
    *,
    tag_authority: str | None = None,
    paper_folder: str = "",
) -> BuildReport:
    """Render every feed and page from the stores into public/, writing only what changed.

    With a paper_folder ("slug/"), only that paper's issues, into that folder of public/ (the
    paper's audio lies under it too: asset paths are relative to public/).
    """
    if paper_folder:
        settings = replace(settings, base_url=settings.base_url + paper_folder)
    site = site_from_settings(settings, paper, tag_authority)
    stored = issues.recent_issues(paper=paper.slug if paper_folder else None)
    publisher = in_folder(root, paper_folder)
    recorded = {
        key: replace(asset, path=asset.path.removeprefix(paper_folder))
        for key, asset in assets.for_issues(i.id for i in stored).items()
        if asset.path.startswith(paper_folder)
    }
    present, missing = published_assets(recorded, publisher)
    chapters = {
        asset.owner_id: publisher.read_bytes(asset.path)
        for (owner, role), asset in present.items()
        if role == ISSUE_CHAPTERS
    }
    views = issue_views(stored, present, chapters)
    pages = render_site(views, site)
    files: dict[str, bytes] = {**static_files(), **pages}
    if not site.image_url:
        files[COVER_IMAGE] = solid_png()
    feeds = render_feeds(views, site)
    manifest = "".join(f"{path}\n" for path in sorted(pages)).encode("utf-8")

    written: list[str] = []
    for path, data in [*files.items(), *feeds.items()]:
        if _write_if_changed(publisher, path, data):
            written.append(path)
    removed: list[str] = []
    if publisher.exists(MANIFEST):
        old = publisher.read_bytes(MANIFEST).decode("utf-8").split()
        for path in old:
            if path not in pages and publisher.exists(path):
                publisher.delete(path)
                removed.append(path)
    if _write_if_changed(publisher, MANIFEST, manifest):
        written.append(MANIFEST)
    total = len(files) + len(feeds) + 1
    return BuildReport(
        written=tuple(written),
        unchanged=total - len(written),
        removed=tuple(removed),
        issues=len(views),
        feed_items=len(feed_items(views, site)),
        missing_audio=tuple(missing),
    )


def build_papers_index(papers: Sequence[PaperSettings], publisher: Publisher) -> tuple[str, ...]:
    """Write public/index.html listing the papers, and the stylesheet it uses; return the paths
    written (none when nothing changed)."""
    files = {**static_files(), HOME_PAGE: render_papers_index(papers)}
    return tuple(path for path, data in files.items() if _write_if_changed(publisher, path, data))
