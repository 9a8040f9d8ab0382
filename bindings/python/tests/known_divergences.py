"""Known divergences from the official library, found by the differential tests: edge cases
outside what Twilio documents (malformed URLs, non-str arguments, characters XML cannot carry,
ElementTree internals). Each listed test is expected to fail (strict: one that starts passing
fails the run, so this list shrinks as they are fixed). Loaded with `pytest -p known_divergences`.
"""

import pytest

KNOWN = {
    'test_twiml_differential.py::test_handwritten_document[control_characters_in_text]': 'characters XML cannot carry: ElementTree writes them through, the native writer does not',
    'test_twiml_differential.py::test_handwritten_document[control_characters_in_attribute]': 'characters XML cannot carry: ElementTree writes them through, the native writer does not',
    'test_twiml_differential.py::test_handwritten_document[noncharacters_in_text]': 'characters XML cannot carry: ElementTree writes them through, the native writer does not',
    'test_twiml_differential.py::test_handwritten_document[lone_surrogate_in_text]': 'characters XML cannot carry: ElementTree writes them through, the native writer does not',
    'test_twiml_differential.py::test_handwritten_document[lone_surrogate_in_attribute]': 'characters XML cannot carry: ElementTree writes them through, the native writer does not',
    'test_twiml_differential.py::test_handwritten_document[keyword_title_case_of_non_ascii]': 'keyword-name corner cases (non-ASCII title case, only underscores, a declared keyword repeated in **kwargs)',
    'test_twiml_differential.py::test_handwritten_document[generic_node_clark_notation]': "ElementTree's {namespace}name (Clark notation) is not expanded",
    'test_twiml_differential.py::test_handwritten_document[attribute_clark_notation]': "ElementTree's {namespace}name (Clark notation) is not expanded",
    'test_twiml_differential.py::test_handwritten_document[attrs_dict_is_live]': 'known divergence',
    'test_twiml_differential.py::test_handwritten_document[verbs_list_is_live]': 'known divergence',
    "test_validator_differential.py::test_edge_url[None-'https://mycompany.com/p?#frag']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-'https://mycompany.com/p#a?']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-'https://mycompany.com/p??']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-'https://mycompany.com/a;']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-'https://mycompany.com/a;?x=1']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-'https://[::1/p']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-'mycompany.com/p']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-'http:///path']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-' https://mycompany.com/p']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-'https://mycompany.com/p\\\\t']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-'https://myco\\\\tmpany.com/p']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-'https://mycompany.com/p\\\\n?x=1']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-'\\\\x00https://mycompany.com/p']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[None-'mailto:user@example.com']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'https://mycompany.com/p?#frag']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'https://mycompany.com/p#a?']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'https://mycompany.com/p??']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'https://mycompany.com/a;']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'https://mycompany.com/a;?x=1']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'https://[::1/p']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'mycompany.com/p']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'http:///path']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-' https://mycompany.com/p']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'https://mycompany.com/p\\\\t']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'https://myco\\\\tmpany.com/p']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'https://mycompany.com/p\\\\n?x=1']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'\\\\x00https://mycompany.com/p']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    "test_validator_differential.py::test_edge_url[HMAC_SHA256-'mailto:user@example.com']": "malformed or unusual URLs (empty ? or #, ';' parameters, no scheme, whitespace, control characters): urlparse's normalisation is not replicated",
    'test_validator_differential.py::test_params_corner[bytes params]': 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    "test_validator_differential.py::test_algorithm_names['']": 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    "test_validator_differential.py::test_algorithm_names['hmac_\\u017fha1']": 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    'test_validator_differential.py::test_algorithm_names[0]': 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    "test_validator_differential.py::test_algorithm_names[b'HMAC_SHA1']": 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    "test_validator_differential.py::test_tokens[b'bytes-token']": 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    'test_validator_differential.py::test_tokens[None]': 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    'test_validator_differential.py::test_tokens[12345]': 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    "test_validator_differential.py::test_compute_hash[b'bytes body']": 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    'test_validator_differential.py::test_compute_hash[None]': 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    'test_validator_differential.py::test_compute_hash[5]': 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    "test_validator_differential.py::test_signature_argument_types[b'0/KCTR6DLpKmkAf8muzZqo1nDgQ=']": 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    'test_validator_differential.py::test_uri_argument_types[None]': 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    "test_validator_differential.py::test_uri_argument_types[b'https://example.com/']": 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
    'test_validator_differential.py::test_uri_argument_types[5]': 'non-str arguments (bytes, None, numbers) and odd algorithm spellings: refused or read differently',
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        # Node ids start with "tests/" when pytest's rootdir is bindings/python.
        reason = KNOWN.get(item.nodeid.removeprefix("tests/"))
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
