"""The prompt files, shipped inside the wheel as the package ``extractor.prompts_data``.

Each folder is one prompt (``template.md`` and ``examples.json``); ``extractor.prompts``
loads them through ``importlib.resources``. This file only makes the folder a package.
"""
