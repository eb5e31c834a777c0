"""Static file storage: hashed names (cache for ever) and compressed copies."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    # The GOV.UK Frontend package ships Sass sources, READMEs and fixtures that
    # a browser never asks for; hashing them would only slow collectstatic.
    keep_only_hashed_files = True
