"""Work moto repeats on every request that AWS would not: done once per process instead.

Measured with py-spy on a 50-trainee build at 50 ms latency (``bench/throughput_bench.py``):
a quarter of the sandbox's CPU went to EKS ``CreateCluster`` building a fresh boto3 Session and
decoding botocore's ``endpoints.json`` only to list partition names, and another tenth to
moto's dispatcher listing its own package directory (``os.listdir`` plus ``isdir`` of some 150
entries) for every request. Neither result can change while the process runs. moto's
``get_service_model`` and ``service_name_from_moto_package_name`` (which builds a botocore
Session to answer, on every error response until cached) are cached, but not under a lock, so
a burst of concurrent first requests all computed the same answer: 12% of the sandbox's CPU in
a 200-trainee build. Both are worked out once at start instead. Two more, from a py-spy profile
of the sandbox during a 200-trainee build: every request listed its response class's methods
with ``inspect.getmembers`` (4%), and every CreateStack parsed its template with PyYAML's
pure-Python loader (9%); the method list is kept per class, and templates go through the same
loader built on libyaml (``CLoader``) when PyYAML has it.

Two more from a py-spy profile (``--gil``) of the sandbox during a 200-trainee build at c32:
every error response built its service's error-code table again (9%: ``get_error_model`` makes
a new ``ErrorLookupFactory``, whose cache then dies with it), and every account's first request
to a service listed that service's regions across all partitions again (4.5%: the
``lru_cache`` on ``_generate_regions`` is keyed by the new per-account object). The table is
kept per service model, the regions per service. And every lookup of an account's backend
(several per request) took moto's process-wide lock and copied the list of accounts, even for
an account it had: with 32 requests in flight, requests queued behind another thread building
a new account's backend under that lock (IAM ``CreateUser`` p90 239 ms at 50 ms latency). An
account already there is now returned without the lock; a new one is made as before. The
first burst of requests also built each service's regions list and request router in several
threads at once: both are made at start for the services the sample course reaches (its
template creates an SSM parameter and an SQS queue).

Only moto's internals are touched; what a request answers is unchanged (the sandbox tests pin
both the dispatch and the EKS role-ARN validation).

moto's private names are used only inside ``standin`` (``tests/unit/test_private_doors.py``
keeps it so), and ``PRIVATE_NAMES`` below lists every one of them, from this module and the
others of the sandbox, per patch: ``tests/unit/test_sdk_compat.py`` fails naming the patch when
the installed moto no longer has one, and ``pyproject.toml`` bounds moto to the minor version
they were checked against.
"""

from __future__ import annotations

import contextlib
import functools

#: The services the sample course and the tests call; their models are loaded at start.
WARM_SERVICES = ("sts", "iam", "s3", "codecommit", "eks", "cloudformation")
#: Services the sample course's template reaches through CloudFormation.
TEMPLATE_SERVICES = ("ssm", "sqs")

PRIVATE_NAMES: dict[str, tuple[str, ...]] = {
    "moto_speed._regions_per_service: a service's regions listed once": (
        "moto.core.base_backend:AccountSpecificBackend._generate_regions",
    ),
    "moto_speed._warm_routing: regions and request routers made at start": (
        "moto.core.base_backend:AccountSpecificBackend._generate_regions",
        "moto.core.routing:ServiceOperationRouter._get_router",
    ),
    "moto_state.share_aws_managed_policies: one parsed copy of the AWS managed policies": (
        "moto.iam.models:IAMBackend._init_aws_policies",
        "moto.iam.models:IAMBackend._init_managed_policies",
    ),
    "gaps_steps: CreateStack failing like AWS (the resource that failed, the roll-back)": (
        "moto.cloudformation.parsing:ResourceMap._parsed_resources",
        "moto.cloudformation.parsing:ResourceMap._resource_json_map",
        "moto.cloudformation.parsing:ResourceMap._ResourceMap__get_resources_in_dependency_order",
    ),
    "sandbox.Sandbox: the gateway and the warm-up reach moto's WSGI application": (
        "moto.server:ThreadedMotoServer._server",
    ),
}

_applied = False


class _Partitions:
    """Stands in for ``boto3.Session`` in ``moto.eks.utils``: only the partition list is used."""

    @staticmethod
    @functools.cache
    def _names() -> tuple[str, ...]:
        from boto3 import Session

        return tuple(Session().get_available_partitions())

    def get_available_partitions(self) -> list[str]:
        return list(self._names())


def _parse_templates_with_libyaml(models) -> None:
    """moto's ``Stack.parse_template`` (YAML, else JSON) on libyaml's loader, same tags."""
    import json

    import yaml

    if not getattr(yaml, "__with_libyaml__", False):
        return
    yaml.add_multi_constructor("", models.yaml_tag_constructor, Loader=yaml.CLoader)

    def parse_template(template: str) -> dict:
        try:
            return yaml.load(template, Loader=yaml.CLoader)  # moto's own loader choice, on libyaml
        except (yaml.parser.ParserError, yaml.scanner.ScannerError):
            return json.loads(template)

    models.Stack.parse_template = staticmethod(parse_template)


def _share_error_tables(errors) -> None:
    """``get_error_model`` asks one ``ErrorLookupFactory`` (which caches per service id)."""
    factory = errors.ErrorLookupFactory()
    errors.ErrorLookupFactory = lambda: factory


def _regions_per_service(backend_class) -> None:
    """``AccountSpecificBackend._generate_regions`` cached by service name alone (its body
    only reads the class's shared botocore session, never the account)."""
    generate = backend_class._generate_regions.__wrapped__

    @functools.cache
    def regions(service_name: str) -> tuple[str, ...]:
        return tuple(generate(None, service_name))

    backend_class._generate_regions = lambda self, service_name: list(regions(service_name))


def _lock_free_lookups(backend_dict_class) -> None:
    """``BackendDict[account]``: an account already there without moto's global lock."""
    create = backend_dict_class.__getitem__

    def getitem(self, account_id):
        found = dict.get(self, account_id)
        return found if found is not None else create(self, account_id)

    backend_dict_class.__getitem__ = getitem


def _warm_routing(service: str) -> None:
    """Build ``service``'s regions list and request router now, not in the first burst."""
    from moto.core.base_backend import AccountSpecificBackend
    from moto.core.routing import get_service_router
    from moto.core.utils import get_service_model

    AccountSpecificBackend._generate_regions(None, service)
    # A service moto routes by another protocol gets its router on first use, as before.
    with contextlib.suppress(Exception):
        get_service_router(service)._get_router(get_service_model(service).protocol)


def warm_apps(dispatcher) -> None:
    """Make moto's per-service Flask applications now: the first request of a service built
    its application (hundreds of URL rules compiled) under the dispatcher's lock, holding up
    every other request of the first burst (7.5% of the sandbox's CPU, py-spy)."""
    with dispatcher.lock:
        for service in WARM_SERVICES + TEMPLATE_SERVICES:
            if service not in dispatcher.app_instances:
                dispatcher.app_instances[service] = dispatcher.create_app(service)


def apply() -> None:
    """Install the caches (idempotent) and load the service models moto will need."""
    global _applied
    if _applied:
        return
    import moto.backends
    import moto.cloudformation.models
    import moto.core.base_backend
    import moto.core.errors
    import moto.core.responses
    import moto.eks.utils
    from moto.core.utils import get_service_model, service_name_from_moto_package_name

    methods = moto.core.responses.method_names_from_class
    moto.core.responses.method_names_from_class = functools.cache(
        lambda clazz: frozenset(methods(clazz))
    )
    _parse_templates_with_libyaml(moto.cloudformation.models)
    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules
    _share_error_tables(moto.core.errors)
    _regions_per_service(moto.core.base_backend.AccountSpecificBackend)
    _lock_free_lookups(moto.core.base_backend.BackendDict)
    _Partitions._names()  # now, not by each thread of the first burst of CreateCluster
    moto.eks.utils.Session = _Partitions
    for service in WARM_SERVICES:
        get_service_model(service)
        service_name_from_moto_package_name(service)  # moto's packages are named as these
    for service in WARM_SERVICES + TEMPLATE_SERVICES:
        _warm_routing(service)
    service_name_from_moto_package_name("core")
    _applied = True
