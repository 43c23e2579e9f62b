"""Mock servers only the tests and benchmarks use (the demo's seven sites stay in the
package, ``parknews.crawler.mocksites``): hostile peers (``hostile``), lists drawn by
JavaScript and anti-bot walls (``jsapi``), a generated site of any size (``generated``)
and site breakages for health tests (``breakage``). Benchmarks import them with
``tests/`` on ``sys.path``."""
