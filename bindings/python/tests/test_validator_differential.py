"""Differential tests: ``projectx_twilio.RequestValidator`` against
``twilio.request_validator.RequestValidator`` (twilio 9.13.0).

Both validators get the same token, URL, params and signature; ``compute_signature``,
``compute_hash``, ``get_values`` and ``validate`` must answer alike (or raise the same exception
type). Signatures to validate are made with the official library over the URL with its port,
without it, as given, with the other algorithm, for other params, and corrupted.
"""

from __future__ import annotations

import hashlib
import random
import string
from urllib.parse import quote, urlparse

import multidict
import pytest

from conftest import outcome_detail, projectx_twilio, same_outcome
from twilio.request_validator import RequestValidator as OfficialValidator
from twilio.request_validator import add_port, remove_port

ProjectxValidator = projectx_twilio.RequestValidator


# ---------------------------------------------------------------------------------------------
# Params containers
# ---------------------------------------------------------------------------------------------


class GetAllMultiDict:
    """A MultiDict with ``getall`` (aiohttp / multidict style); iteration repeats keys."""

    def __init__(self, pairs):
        self._pairs = list(pairs)

    def __iter__(self):
        return iter([k for k, _ in self._pairs])

    def __len__(self):
        return len(self._pairs)

    def __getitem__(self, key):
        for k, v in self._pairs:
            if k == key:
                return v
        raise KeyError(key)

    def getall(self, key):
        return [v for k, v in self._pairs if k == key]

    def __repr__(self):
        return "GetAllMultiDict(%r)" % (self._pairs,)


class DjangoQueryDict(dict):
    """Like Django's QueryDict: a dict of lists whose ``[]`` gives the last value and
    ``getlist`` all of them."""

    def __init__(self, pairs):
        super().__init__()
        self._pairs = list(pairs)
        for k, v in self._pairs:
            dict.setdefault(self, k, []).append(v)

    def __getitem__(self, key):
        return dict.__getitem__(self, key)[-1]

    def getlist(self, key):
        return list(dict.__getitem__(self, key))

    def __repr__(self):
        return "DjangoQueryDict(%r)" % (self._pairs,)


def as_container(kind, pairs):
    if kind == "dict":
        return dict(pairs)
    if kind == "getall":
        return GetAllMultiDict(pairs)
    if kind == "multidict":
        return multidict.MultiDict(pairs)
    if kind == "getlist":
        return DjangoQueryDict(pairs)
    raise AssertionError(kind)


# ---------------------------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------------------------


def both(token, fn):
    """``fn(validator)`` with each library's validator for ``token``."""
    official = outcome_detail(lambda: fn(OfficialValidator(token)))
    projectx = outcome_detail(lambda: fn(ProjectxValidator(token)))
    return official, projectx


def assert_same(token, fn, describe):
    official, projectx = both(token, fn)
    assert same_outcome(official, projectx), "%s\ntoken=%r\nofficial: %r\nprojectx: %r" % (
        describe,
        token,
        official,
        projectx,
    )
    return official


def official_signature(token, uri, params, algorithm=None):
    return OfficialValidator(token).compute_signature(uri, params, algorithm)


def url_forms(uri):
    """The URL as given, with its port and without it, as the official library makes them."""
    parsed = urlparse(uri)
    return {"as given": uri, "with port": add_port(parsed), "without port": remove_port(parsed)}


def corrupt(signature):
    swap = "A" if signature[0] != "A" else "B"
    return swap + signature[1:]


# ---------------------------------------------------------------------------------------------
# Random inputs
# ---------------------------------------------------------------------------------------------

KEYS = ["CallSid", "AccountSid", "From", "To", "Digits", "Body", "SpeechResult", "CallStatus",
        "Caller", "a", "A", "aa", "é", "中文", "😀", "Key With Space", "k=v&x", "", "_", "0"]
UNICODE = list("éñüßøå中文字日本語한국어مرحباשלוםΩπ€") + ["😀", "👍🏽", "🇺🇸", "𝄞", "\u00a0", "e\u0301"]
HOSTS = ["example.com", "mycompany.com", "api.example.co.uk", "localhost", "127.0.0.1",
         "EXAMPLE.com", "sub-domain.ngrok.io", "xn--bcher-kva.example", "10.0.0.1"]
SEGMENTS = ["voice", "twiml.xml", "sms", "status", "v1", "calls", "a b", "é", "%20", "%C3%A9",
            "~user", "a;b", "with-dash", "UPPER", "1234", "index.php", "中文", "a:b", "@"]


def rand_text(rng, max_len=10):
    out = []
    for _ in range(rng.randint(0, max_len)):
        r = rng.random()
        if r < 0.6:
            out.append(rng.choice(string.ascii_letters + string.digits))
        elif r < 0.75:
            out.append(rng.choice(" +-_.:/?&=#%<>\"'\n\t"))
        else:
            out.append(rng.choice(UNICODE))
    return "".join(out)


def rand_pairs(rng):
    pairs = []
    for _ in range(rng.randint(0, 8)):
        key = rng.choice(KEYS) if rng.random() < 0.6 else rand_text(rng, 6)
        pairs.append((key, rand_text(rng)))
        if rng.random() < 0.25:  # the same key again, sometimes with the same value
            pairs.append((key, pairs[-1][1] if rng.random() < 0.4 else rand_text(rng)))
    return pairs


def rand_params(rng):
    kind = rng.choice(["dict", "dict", "getall", "multidict", "getlist"])
    pairs = rand_pairs(rng)
    if kind == "dict" and rng.random() < 0.1:
        return kind, pairs, rng.choice([None, {}])
    return kind, pairs, as_container(kind, pairs)


def rand_query(rng, body_hash=None):
    items = []
    for _ in range(rng.randint(0, 3)):
        key = rng.choice(["a", "page", "x", "q", "ü", "Digits"])
        value = rng.choice(["1", "", "a+b", "%2F", "hello world", "é", "x=y", "😀"])
        items.append("%s=%s" % (quote(key) if rng.random() < 0.5 else key, value))
    if body_hash is not None:
        items.insert(rng.randint(0, len(items)), "bodySHA256=" + body_hash)
    return "&".join(items)


def rand_url(rng, body_hash=None):
    scheme = rng.choice(["http", "https", "https", "https", "HTTPS", "Http"])
    host = rng.choice(HOSTS)
    userinfo = rng.choice(["", "", "", "", "", "", "", "", "user@", "user:secret@"])
    port = rng.choice(["", "", "", ":80", ":443", ":8080", ":3000", ":8443", ":1", ":65535", ":080"])
    path = "".join("/" + rng.choice(SEGMENTS) for _ in range(rng.randint(0, 4)))
    if rng.random() < 0.2:
        path += "/"
    url = "%s://%s%s%s%s" % (scheme, userinfo, host, port, path)
    query = rand_query(rng, body_hash) if (body_hash is not None or rng.random() < 0.5) else ""
    if query:
        url += "?" + query
    if rng.random() < 0.05:
        url += "#frag"
    return url


def rand_token(rng):
    r = rng.random()
    if r < 0.6:
        return "".join(rng.choice("0123456789abcdef") for _ in range(32))
    if r < 0.8:
        return rand_text(rng, 40)
    return rng.choice(["", "x", "token with spaces", "🔑é" * 10, "a" * 200])


ALGORITHMS = [None, "HMAC_SHA1", "HMAC_SHA256", "hmac_sha256", "Hmac_Sha1"]
RANDOM_SEEDS = [11, 22, 33, 44, 55]
CASES_PER_SEED = 60


# ---------------------------------------------------------------------------------------------
# Random form-encoded requests
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
@pytest.mark.parametrize("index", range(CASES_PER_SEED))
def test_random_form_request(seed, index):
    rng = random.Random("form/%d/%d" % (seed, index))
    token = rand_token(rng)
    url = rand_url(rng)
    kind, pairs, params = rand_params(rng)
    describe = "url=%r params=%s(%r)" % (url, kind, pairs)

    # compute_signature over every URL form, with every algorithm spelling.
    forms = url_forms(url)
    for form_name, form_url in forms.items():
        for algorithm in ALGORITHMS:
            official = assert_same(
                token,
                lambda v: v.compute_signature(form_url, params, algorithm),
                "compute_signature(%r, params, %r) [%s]; %s" % (form_url, algorithm, form_name, describe),
            )
            assert official[0] == "ok"

    # get_values for every key.
    for key in {k for k, _ in pairs}:
        assert_same(token, lambda v: sorted(v.get_values(params, key)), "get_values(%r); %s" % (key, describe))

    # validate with signatures made by the official library.
    other_kind, other_pairs, other_params = rand_params(rng)
    other_pairs = other_pairs + [("Extra", "value")]
    other_params = as_container(other_kind, other_pairs)
    for algorithm in [None, "HMAC_SHA256"]:
        other_algorithm = "HMAC_SHA256" if algorithm is None else "HMAC_SHA1"
        signatures = {
            "over URL with port": (official_signature(token, forms["with port"], params, algorithm), True),
            "over URL without port": (official_signature(token, forms["without port"], params, algorithm), True),
            "over URL as given": (official_signature(token, url, params, algorithm), None),
            "wrong signature": (corrupt(official_signature(token, url, params, algorithm)), False),
            "for other params": (official_signature(token, forms["with port"], other_params, algorithm), None),
            "other algorithm": (official_signature(token, forms["with port"], params, other_algorithm), False),
            "other token": (official_signature(token + "x", forms["with port"], params, algorithm), False),
            "empty signature": ("", False),
        }
        for label, (signature, expected) in signatures.items():
            official = assert_same(
                token,
                lambda v: v.validate(url, params, signature, algorithm),
                "validate(%r, params, <signature %s>, %r); %s" % (url, label, algorithm, describe),
            )
            if expected is not None:
                # The case is what it claims to be, in the official library.
                assert official == ("ok", expected), (label, official)


# ---------------------------------------------------------------------------------------------
# Random JSON requests (bodySHA256)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
@pytest.mark.parametrize("index", range(CASES_PER_SEED // 2))
def test_random_json_request(seed, index):
    rng = random.Random("json/%d/%d" % (seed, index))
    token = rand_token(rng)
    body = rng.choice(
        [
            '{"CallSid": "CA%s", "Digits": "%s"}' % (rng.randint(0, 10**6), rand_text(rng, 4)),
            '{"text": %r}' % rand_text(rng, 20),
            rand_text(rng, 30),
            "",
        ]
    )
    body_hash = hashlib.sha256(body.encode("utf-8")).hexdigest()
    assert_same(token, lambda v: v.compute_hash(body), "compute_hash(%r)" % body)
    assert OfficialValidator(token).compute_hash(body) == body_hash

    url = rand_url(rng, body_hash=body_hash)
    forms = url_forms(url)
    tampered = body + " " if rng.random() < 0.5 else body.replace("C", "D", 1) + "x"
    algorithm = rng.choice([None, "HMAC_SHA256"])
    sig_with = official_signature(token, forms["with port"], {}, algorithm)
    sig_without = official_signature(token, forms["without port"], {}, algorithm)
    checks = [
        ("matching body, signature with port", body, sig_with, True),
        ("matching body, signature without port", body, sig_without, True),
        ("tampered body", tampered, sig_with, False),
        ("wrong signature", body, corrupt(sig_with), False),
        ("body passed as a dict", {"body": body}, sig_with, None),
        ("empty dict", {}, sig_with, True),
        ("None params", None, sig_without, True),
    ]
    for label, params, signature, expected in checks:
        official = assert_same(
            token,
            lambda v: v.validate(url, params, signature, algorithm),
            "validate(%r, %r, <%s>, %r)" % (url, params, label, algorithm),
        )
        if expected is not None:
            assert official == ("ok", expected), (label, official)


# ---------------------------------------------------------------------------------------------
# Hand-picked URLs: port rules and urlparse/geturl corners
# ---------------------------------------------------------------------------------------------

EDGE_URLS = [
    "https://mycompany.com/myapp.php?foo=1&bar=2",
    "https://mycompany.com:443/myapp.php?foo=1&bar=2",
    "http://mycompany.com:80/myapp.php",
    "http://mycompany.com:443/myapp.php",
    "https://mycompany.com:80/myapp.php",
    "https://mycompany.com:1234/myapp.php",
    "https://mycompany.com:0443/myapp.php",
    "ftp://mycompany.com/file",
    "HTTPS://MyCompany.COM/Path?Q=1",
    "https://mycompany.com",
    "https://mycompany.com/",
    "https://mycompany.com?x=1",
    "https://mycompany.com/p?",
    "https://mycompany.com/p#",
    "https://mycompany.com/p?#",
    "https://mycompany.com/p?a=1#",
    "https://mycompany.com/p#frag",
    "https://mycompany.com/p?#frag",
    "https://mycompany.com/p#a?",
    "https://mycompany.com/p??",
    "https://mycompany.com/a;b?x=1",
    "https://mycompany.com/a;",
    "https://mycompany.com/a;?x=1",
    "https://mycompany.com/p?x=1;y=2",
    "https://user@mycompany.com/p",
    "https://user:secret@mycompany.com/p",
    "https://user:secret@mycompany.com:8080/p",
    "https://[::1]/p",
    "https://[::1]:8080/p",
    "https://mycompany.com:0/p",
    "https://mycompany.com:/p",
    "https://mycompany.com:99999/p",
    "https://mycompany.com:abc/p",
    "https://mycompany.com:+80/p",
    "https://mycompany.com:\u0663/p",
    "https://[::1/p",
    "//mycompany.com/p",
    "/relative/path?x=1",
    "mycompany.com/p",
    "http:///path",
    "https://mycompany.com/ä/ö?q=ü",
    "https://mycompany.com/%E4%B8%AD?x=%20",
    " https://mycompany.com/p",
    "https://mycompany.com/p ",
    "https://mycompany.com/p\t",
    "https://myco\tmpany.com/p",
    "https://mycompany.com/p\n?x=1",
    "\x00https://mycompany.com/p",
    "",
    "mailto:user@example.com",
]


@pytest.mark.parametrize("url", EDGE_URLS, ids=repr)
@pytest.mark.parametrize("algorithm", [None, "HMAC_SHA256"])
def test_edge_url(url, algorithm):
    token = "12345"
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234"}
    assert_same(token, lambda v: v.compute_signature(url, params, algorithm), "compute_signature(%r)" % url)
    signatures = {"as given": official_signature(token, url, params, algorithm)}
    try:
        forms = url_forms(url)
    except ValueError:
        forms = {}
    for label, form in forms.items():
        signatures[label] = official_signature(token, form, params, algorithm)
    signatures["wrong"] = corrupt(signatures["as given"])
    mismatches = []
    for label, signature in signatures.items():
        official, projectx = both(token, lambda v: v.validate(url, params, signature, algorithm))
        if not same_outcome(official, projectx):
            mismatches.append(
                "validate(%r, params, <signature over %s: %r>, %r): official %r, projectx %r"
                % (url, label, forms.get(label, url), algorithm, official, projectx)
            )
    assert not mismatches, "\n".join(mismatches)


def test_documented_example():
    # The example of twilio-python's own tests.
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    expected = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    for validator in (OfficialValidator("12345"), ProjectxValidator("12345")):
        assert validator.compute_signature(url, params) == expected
        assert validator.validate(url, params, expected) is True
        assert validator.validate(url.replace("mycompany.com", "mycompany.com:443"), params, expected) is True
        assert validator.validate(url, params, expected[:-1]) is False
        assert validator.validate(url, dict(params, Digits="1235"), expected) is False


# ---------------------------------------------------------------------------------------------
# bodySHA256 corners
# ---------------------------------------------------------------------------------------------

BODY = '{"property": "value", "boolean": true}'
HASH = hashlib.sha256(BODY.encode()).hexdigest()

BODY_CASES = [
    ("plain", "https://example.com/hook?bodySHA256=" + HASH, BODY),
    ("with port", "https://example.com:443/hook?bodySHA256=" + HASH, BODY),
    ("other params around", "https://example.com/hook?a=1&bodySHA256=%s&b=2" % HASH, BODY),
    ("uppercase hash", "https://example.com/hook?bodySHA256=" + HASH.upper(), BODY),
    ("wrong body", "https://example.com/hook?bodySHA256=" + HASH, BODY + " "),
    ("empty body", "https://example.com/hook?bodySHA256=" + hashlib.sha256(b"").hexdigest(), ""),
    ("first value wins", "https://example.com/hook?bodySHA256=%s&bodySHA256=bad" % HASH, BODY),
    ("first value wrong", "https://example.com/hook?bodySHA256=bad&bodySHA256=" + HASH, BODY),
    ("blank value skipped", "https://example.com/hook?bodySHA256=&bodySHA256=" + HASH, BODY),
    ("percent-encoded key", "https://example.com/hook?body%53HA256=" + HASH, BODY),
    ("plus in value", "https://example.com/hook?bodySHA256=%s+" % HASH, BODY),
    ("semicolon separator", "https://example.com/hook?x=1;bodySHA256=" + HASH, BODY),
    ("lowercase key (no hash: the body is taken as params)", "https://example.com/hook?bodysha256=" + HASH, BODY),
    ("hash only in fragment", "https://example.com/hook#bodySHA256=" + HASH, BODY),
    ("no query, empty body", "https://example.com/hook", ""),
    ("no query, body", "https://example.com/hook", BODY),
    ("unicode body", "https://example.com/hook?bodySHA256=" + hashlib.sha256("é😀".encode()).hexdigest(), "é😀"),
    ("blank only", "https://example.com/hook?bodySHA256=", BODY),
]


@pytest.mark.parametrize("label,url,body", BODY_CASES, ids=[c[0] for c in BODY_CASES])
def test_body_hash(label, url, body):
    token = "12345"
    forms = url_forms(url)
    for form, form_url in forms.items():
        for algorithm in [None, "HMAC_SHA256"]:
            signature = official_signature(token, form_url, {}, algorithm)
            assert_same(
                token,
                lambda v: v.validate(url, body, signature, algorithm),
                "validate(%r, %r, <signature over URL %s, no params>, %r)" % (url, body, form, algorithm),
            )


def test_body_hash_matching_is_true_and_tampering_false():
    url = "https://example.com/hook?bodySHA256=" + HASH
    signature = official_signature("12345", url, {})
    for validator in (OfficialValidator("12345"), ProjectxValidator("12345")):
        assert validator.validate(url, BODY, signature) is True
        assert validator.validate(url, BODY + "x", signature) is False
        assert validator.validate(url, BODY, corrupt(signature)) is False


# ---------------------------------------------------------------------------------------------
# Params corners
# ---------------------------------------------------------------------------------------------

URL = "https://example.com/hook?x=1"

PARAM_CASES = [
    ("None", None),
    ("empty dict", {}),
    ("empty string", ""),
    ("non-empty string", "abc"),
    ("empty GetAllMultiDict", GetAllMultiDict([])),
    ("repeated values getall", GetAllMultiDict([("a", "2"), ("a", "1"), ("a", "2"), ("b", "")])),
    ("repeated values multidict", multidict.MultiDict([("a", "2"), ("a", "1"), ("a", "2")])),
    ("repeated values getlist", DjangoQueryDict([("a", "2"), ("a", "1"), ("a", "2")])),
    ("value order is sorted", {"b": "2", "a": "1", "B": "0", "é": "x", "😀": "y", "\uffff": "z"}),
    ("values sort by code point", GetAllMultiDict([("k", "\uffff"), ("k", "😀"), ("k", "\ue000"), ("k", "z")])),
    ("prefix keys", {"a": "bc", "ab": "c"}),
    ("empty key and value", {"": ""}),
    ("int value", {"a": 1}),
    ("None value", {"a": None}),
    ("int key", {1: "a"}),
    ("mixed key types", {1: "a", "b": "c"}),
    ("bytes value", {"a": b"x"}),
    ("list of tuples", [("a", "1")]),
    ("bytes params", b"a=1"),
    ("getall returns a string", type("G", (dict,), {"getall": lambda self, k: "xyz"})({"k": "v"})),
    ("getall of ints", GetAllMultiDict([("a", 1)])),
    ("lone surrogate value", {"a": "\ud800"}),
    ("lone surrogate key", {"\udc00": "a"}),
]


@pytest.mark.parametrize("label,params", PARAM_CASES, ids=[c[0] for c in PARAM_CASES])
def test_params_corner(label, params):
    token = "secret"
    for algorithm in [None, "HMAC_SHA256"]:
        official = assert_same(
            token, lambda v: v.compute_signature(URL, params, algorithm), "compute_signature(URL, %s)" % label
        )
        signature = official[1] if official[0] == "ok" else "x"
        for candidate in (signature, corrupt(signature)):
            assert_same(
                token,
                lambda v: v.validate(URL, params, candidate, algorithm),
                "validate(URL, %s, <signature>, %r)" % (label, algorithm),
            )


@pytest.mark.parametrize(
    "params",
    [
        {"a": "1"},
        GetAllMultiDict([("a", "1"), ("a", "2")]),
        multidict.MultiDict([("a", "1"), ("a", "2")]),
        DjangoQueryDict([("a", "1"), ("a", "2")]),
    ],
    ids=repr,
)
def test_get_values(params):
    assert_same("t", lambda v: v.get_values(params, "a"), "get_values(%r, 'a')" % (params,))
    assert_same("t", lambda v: v.get_values(params, "missing"), "get_values(%r, 'missing')" % (params,))


# ---------------------------------------------------------------------------------------------
# Algorithms, tokens, argument types and names
# ---------------------------------------------------------------------------------------------

ALGORITHM_CASES = [None, "HMAC_SHA1", "HMAC_SHA256", "hmac_sha1", "hMaC_ShA256", "", "HMAC_SHA512",
                   "HMAC_SHA1 ", "sha1", "hmac_\u017fha1", 0, b"HMAC_SHA1"]


def assert_all_same(token, calls):
    """Runs every (label, fn) with both validators; reports every mismatch at once."""
    mismatches = []
    for label, fn in calls:
        official, projectx = both(token, fn)
        if not same_outcome(official, projectx):
            mismatches.append("%s: official %r, projectx %r" % (label, official, projectx))
    assert not mismatches, "token=%r\n%s" % (token, "\n".join(mismatches))


@pytest.mark.parametrize("algorithm", ALGORITHM_CASES, ids=repr)
def test_algorithm_names(algorithm):
    params = {"a": "1"}
    calls = [
        ("compute_signature(URL, params, %r)" % (algorithm,),
         lambda v: v.compute_signature(URL, params, algorithm)),
        ("compute_signature(URL, params, algorithm=%r)" % (algorithm,),
         lambda v: v.compute_signature(URL, params, algorithm=algorithm)),
    ]
    for reference in ["HMAC_SHA1", "HMAC_SHA256"]:
        signature = official_signature("tok", URL, params, reference)
        calls.append(
            ("validate(URL, params, <%s signature>, %r)" % (reference, algorithm),
             lambda v, signature=signature: v.validate(URL, params, signature, algorithm))
        )
        calls.append(
            ("validate(URL, params, <%s signature>, algorithm=%r)" % (reference, algorithm),
             lambda v, signature=signature: v.validate(URL, params, signature, algorithm=algorithm))
        )
    assert_all_same("tok", calls)


@pytest.mark.parametrize(
    "token",
    ["", "12345", "é" * 64, "\ud800", b"bytes-token", None, 12345],
    ids=repr,
)
def test_tokens(token):
    assert_same(token, lambda v: v.compute_signature(URL, {"a": "1"}), "RequestValidator(%r).compute_signature" % (token,))


@pytest.mark.parametrize(
    "body",
    ["", "x", "é😀", '{"a": 1}', "\ud800", b"bytes body", None, 5],
    ids=repr,
)
def test_compute_hash(body):
    assert_same("t", lambda v: v.compute_hash(body), "compute_hash(%r)" % (body,))


@pytest.mark.parametrize(
    "signature",
    [None, b"0/KCTR6DLpKmkAf8muzZqo1nDgQ=", 5, " 0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=\n",
     "0/KCTR6DLpKmkAf8muzZqo1nDgQ="],
    ids=repr,
)
def test_signature_argument_types(signature):
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
              "From": "+12349013030", "To": "+18005551212"}
    assert_same("12345", lambda v: v.validate(url, params, signature), "validate(url, params, %r)" % (signature,))


@pytest.mark.parametrize("uri", [None, b"https://example.com/", 5], ids=repr)
def test_uri_argument_types(uri):
    assert_all_same(
        "t",
        [
            ("compute_signature(%r, {})" % (uri,), lambda v: v.compute_signature(uri, {})),
            ("compute_signature(%r, {'a': '1'})" % (uri,), lambda v: v.compute_signature(uri, {"a": "1"})),
            ("validate(%r, {}, 'x')" % (uri,), lambda v: v.validate(uri, {}, "x")),
        ],
    )


def test_keyword_argument_names():
    url = "https://example.com/hook"
    params = {"a": "1"}
    calls = [
        ("compute_signature by keyword", lambda v: v.compute_signature(uri=url, params=params, algorithm="HMAC_SHA256")),
        ("compute_signature positional algorithm", lambda v: v.compute_signature(url, params, "HMAC_SHA256")),
        ("validate by keyword", lambda v: v.validate(
            uri=url, params=params, signature=official_signature("t", url, params), algorithm=None)),
        ("compute_hash by keyword", lambda v: v.compute_hash(body="x")),
        ("get_values by keyword", lambda v: v.get_values(param_dict=params, param_name="a")),
        ("missing params", lambda v: v.compute_signature(url)),
        ("missing signature", lambda v: v.validate(url, params)),
        ("unexpected keyword", lambda v: v.validate(url, params, "x", strict=True)),
        ("too many positional", lambda v: v.compute_signature(url, params, None, "extra")),
    ]
    for label, call in calls:
        assert_same("t", call, label)
    for make in (lambda cls: cls(token="t"), lambda cls: cls()):
        official = outcome_detail(lambda: make(OfficialValidator) and "made")
        projectx = outcome_detail(lambda: make(ProjectxValidator) and "made")
        assert same_outcome(official, projectx), (official, projectx)
