"""The harness itself: the demo portal builds and serves its home page."""

import urllib.request


def test_demo_portal_serves_home_page(demo_server):
    with urllib.request.urlopen(demo_server + "/") as response:
        assert response.status == 200
        assert "<html" in response.read().decode("utf-8").lower()
