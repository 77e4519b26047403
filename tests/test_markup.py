"""The quick inline pass in generator/markup.py must give Python-Markdown's own HTML."""

import markdown
import pytest

from generator.markup import _EXTENSION_CONFIGS, EXTENSIONS, MarkdownRenderer, _BasePathExtension

SAMPLES = [
    "Plain text only.",
    "a *b* **c** _d_ __e__ ***f*** `g` ``h ` i`` \\*j\\* \\\\`k`",
    '[link](/a/) ![img](/b.png "t") [ref][r] [r] ![ir][r]\n\n[r]: /c/ "title"',
    "<https://example.org/> <me@example.org> <span>x</span> &amp; &#169; line  \nbreak",
    "# Head\n\n[TOC]\n\n## Sub *em*\n\n- a\n- b `c`\n\n1. d\n2. e\n\nTerm\n: def",
    "Footnote[^1] and HTML abbr.\n\n[^1]: The *note*.\n\n*[HTML]: Hyper Text",
    '| a | b |\n|---|---|\n| `x` | *y* |\n\n```python\ncode `here`\n```\n\n<div markdown="1">*in*</div>',
    "{: #id } para with attr\n{: .cls }\n\n> quote **strong** with `code`",
]


@pytest.mark.parametrize("base", ["/", "/news/"])
@pytest.mark.parametrize("text", SAMPLES)
def test_quick_inline_pass_gives_the_stock_html(base, text):
    extensions = [*EXTENSIONS] + ([_BasePathExtension(base)] if base != "/" else [])
    stock = markdown.Markdown(extensions=extensions, extension_configs=_EXTENSION_CONFIGS)
    assert MarkdownRenderer(base).render(text) == stock.convert(text)
