"""The ``parknews`` command: init, crawl, extract, search, health, serve, demo, schedule,
and distributed crawling.

One module per group of commands (``sitesfile``, ``crawl``, ``extract``, ``search``,
``health``, ``publish``, ``schedule``, ``distributed``), each listing its commands in
``COMMANDS``; what they share is in ``common``. The commands are registered here, and
nowhere else.
"""

from __future__ import annotations

import click

from parknews.crawler.cli import (
    crawl,
    distributed,
    extract,
    health,
    publish,
    schedule,
    search,
    sitesfile,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="parknews")
def main() -> None:
    """parknews: crawl Chinese industrial-park news into a SQLite archive and publish it.

    \b
    Quick start (offline, against bundled mock sites):
      parknews demo
    Your own sites:
      parknews init && parknews crawl
    """


for _module in (sitesfile, crawl, extract, search, health, publish, schedule, distributed):
    for _command in _module.COMMANDS:
        main.add_command(_command)
