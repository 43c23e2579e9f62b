"""``python -m parknews.crawler.cli``: the ``parknews`` command (for cron, which has no
PATH, and for tests)."""

from parknews.crawler.cli import main

main()
