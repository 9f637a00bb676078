"""Read a page's assets, to check them against the Content-Security-Policy."""

from html.parser import HTMLParser


class AssetParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []  # every asset: scripts, stylesheets, images
        self.scripts = []
        self.inline_scripts = 0
        self.styles = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("src"):
                self.urls.append(attrs["src"])
                self.scripts.append(attrs["src"])
            else:
                self._in_script = True
        elif tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag == "style":
            self.styles += 1
        elif tag == "img" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if "style" in attrs:
            self.styles += 1

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
