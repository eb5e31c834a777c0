"""Scaffold: being written (replace this whole file)."""

from django.http import Http404


def home(request, **kwargs):
    raise Http404


def place(request, **kwargs):
    raise Http404


def details(request, **kwargs):
    raise Http404


def check(request, **kwargs):
    raise Http404


def send(request, **kwargs):
    raise Http404


def done(request, **kwargs):
    raise Http404
