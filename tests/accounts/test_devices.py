"""Describing a browser coarsely: family, device, and a network prefix, never more."""

from __future__ import annotations

import pytest

from safetrail.accounts.devices import coarse_network, describe
from tests.accounts.helpers import CHROME_WINDOWS, FIREFOX_ANDROID, SAFARI_IPHONE

EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51"
)
SAMSUNG_INTERNET = (
    "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
CHROME_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1"
)
FIREFOX_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
OPERA_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0"
)
CHROME_OS = (
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "browser", "device"),
    [
        (CHROME_WINDOWS, "Chrome", "Windows computer"),
        (SAFARI_IPHONE, "Safari", "iPhone"),
        (FIREFOX_ANDROID, "Firefox", "Android phone or tablet"),
        (EDGE_WINDOWS, "Edge", "Windows computer"),
        (SAMSUNG_INTERNET, "Samsung Internet", "Android phone or tablet"),
        (CHROME_ANDROID, "Chrome", "Android phone or tablet"),
        (CHROME_IPHONE, "Chrome", "iPhone"),
        (FIREFOX_IPAD, "Firefox", "iPad"),
        (SAFARI_MAC, "Safari", "Mac"),
        (FIREFOX_LINUX, "Firefox", "Linux computer"),
        (OPERA_WINDOWS, "Opera", "Windows computer"),
        (CHROME_OS, "Chrome", "ChromeOS computer"),
        ("", "Unknown browser", "Unknown device"),
        ("curl/8.5.0", "Unknown browser", "Unknown device"),
    ],
)
def test_describe_names_the_browser_and_device_family(user_agent, browser, device):
    description = describe(user_agent, "203.0.113.77")

    assert description.browser == browser
    assert description.device == device
    assert description.network == "203.0.113.x"


def test_a_description_holds_no_version_and_no_full_address():
    details = describe(CHROME_WINDOWS, "203.0.113.77").as_dict()

    assert set(details) == {"browser", "device", "network"}
    text = " ".join(details.values())
    assert "124" not in text
    assert "NT 10.0" not in text
    assert "77" not in text


def test_a_missing_user_agent_or_address_is_unknown():
    description = describe(None, None)  # type: ignore[arg-type]

    assert description.as_dict() == {
        "browser": "Unknown browser",
        "device": "Unknown device",
        "network": "unknown network",
    }


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.x"),
        ("10.0.0.1", "10.0.0.x"),
        ("::ffff:203.0.113.77", "203.0.113.x"),
        ("::ffff:cb00:714d", "203.0.113.x"),
        ("2001:db8:abcd:1234:5678:9abc:def0:1234", "2001:db8:abcd::/48"),
        ("2001:DB8:ABCD:FFFF::1", "2001:db8:abcd::/48"),
        ("::1", "::/48"),
        ("fe80::1%eth0", "fe80::/48"),
        ("not an address", "unknown network"),
        ("", "unknown network"),
        ("999.1.1.1", "unknown network"),
        ("203.0.113", "unknown network"),
        ("203.0.113.77, 198.51.100.1", "unknown network"),
        ("<script>", "unknown network"),
    ],
)
def test_coarse_network(address, network):
    assert coarse_network(address) == network


def test_two_addresses_in_one_network_look_the_same():
    assert coarse_network("203.0.113.1") == coarse_network("203.0.113.254")
    assert coarse_network("2001:db8:abcd:1::1") == coarse_network("2001:db8:abcd:ffff::2")
    assert coarse_network("203.0.113.1") != coarse_network("203.0.114.1")
