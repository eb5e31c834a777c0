"""Describing a browser coarsely: its family, its device, and a network prefix.

Enough for a person to recognise "that wasn't me", never enough to track
them: no full user-agent string and no full address is ever kept.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass

# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
_BROWSERS = (
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("Safari", re.compile(r"Safari/")),
)
_DEVICES = (
    ("iPhone", re.compile(r"iPhone")),
    ("iPad", re.compile(r"iPad")),
    ("Android phone or tablet", re.compile(r"Android")),
    ("Windows computer", re.compile(r"Windows")),
    ("Mac", re.compile(r"Macintosh|Mac OS X")),
    ("ChromeOS computer", re.compile(r"CrOS")),
    ("Linux computer", re.compile(r"Linux|X11")),
)


@dataclass(frozen=True)
class DeviceDescription:
    browser: str
    device: str
    network: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def browser_family(user_agent: str) -> str:
    for name, pattern in _BROWSERS:
        if pattern.search(user_agent):
            return name
    return "Unknown browser"


def device_family(user_agent: str) -> str:
    for name, pattern in _DEVICES:
        if pattern.search(user_agent):
            return name
    return "Unknown device"


def coarse_network(address: str) -> str:
    """The first three octets of an IPv4 address, or the /48 of an IPv6 one."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "unknown network"
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        parsed = parsed.ipv4_mapped
    if isinstance(parsed, ipaddress.IPv4Address):
        return ".".join(str(parsed).split(".")[:3]) + ".x"
    network = ipaddress.ip_network(f"{parsed}/48", strict=False)
    return str(network)


def describe(user_agent: str, address: str) -> DeviceDescription:
    return DeviceDescription(
        browser=browser_family(user_agent or ""),
        device=device_family(user_agent or ""),
        network=coarse_network(address or ""),
    )
