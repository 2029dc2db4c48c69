"""Every use of botocore's, aiobotocore's and aiohttp's private names, behind one door."""
