"""The Azure infrastructure (infra/azure/*.bicep) parses, and deploys the app with settings the app accepts.

No Bicep compiler can be installed here (it ships as a binary from GitHub and NuGet, neither reachable; no PyPI,
npm or Debian package carries it), so `bicep build` is not run. Instead the files are parsed with the Bicep grammar
for tree-sitter (a syntax check, not type checking against Azure's resource schemas), the properties that matter
are read from the syntax tree, and the container's environment is evaluated from the example parameters and handed
to bot.settings.load_settings, as the app does at start-up: what the template deploys, the app must accept.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import tree_sitter
import tree_sitter_bicep
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url

from bot.settings import GRAPH_ROLE_GROUPS, load_settings
from debrief.permissions import Role
from storage.database import normalise_url

ROOT = Path(__file__).resolve().parents[3]
AZURE = ROOT / "infra" / "azure"
MAIN = AZURE / "main.bicep"
EXAMPLE_PARAMETERS = AZURE / "main.parameters.example.json"
SETTINGS_SOURCE = ROOT / "bot" / "settings.py"

# What only Azure knows at deployment time, as fictional values.
RUNTIME = {
    "environment.properties.defaultDomain": "calmwave-0a1b2c3d.uksouth.azurecontainerapps.io",
    "postgres.properties.fullyQualifiedDomainName": "psql-rdebrief-abc123.postgres.database.azure.com",
    "subscription().tenantId": "00000000-0000-4000-8000-0000000000f0",
    "resourceGroup().name": "rg-rapid-debrief",
}
# The Key Vault secrets the container's secretRefs name, as fictional values.
SECRETS = {
    "microsoft-app-password": "fictional-client-secret",
    "database-url": "postgresql://debriefadmin:fictional@psql.example:5432/debrief?ssl=require",
    "metrics-token": "fictional-metrics-token-0123456789abcdefghij",
}

_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bicep.language()))


@dataclass(frozen=True)
class Expr:
    """A Bicep expression kept as its source text (a reference, a call), not a literal."""

    text: str


@dataclass(frozen=True)
class Declaration:
    kind: str  # param, var, resource, module, output
    name: str
    node: tree_sitter.Node
    decorators: tuple[str, ...]

    @property
    def value(self) -> tree_sitter.Node | None:
        """A param's default, a var's or output's expression, a resource's or module's body (inside if/for)."""
        last = self.node.named_children[-1]
        if self.kind in ("resource", "module"):
            if last.type == "if_statement":
                return last.named_children[-1]
            if last.type == "for_statement":
                body = last.child_by_field_name("body")
                assert body is not None
                return body
            return last
        if self.kind == "param":
            return None if last.type == "type" else last
        return last


class BicepFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = _PARSER.parse(path.read_bytes())
        self.declarations: dict[str, Declaration] = {}
        self.outputs: dict[str, Declaration] = {}
        decorators: list[str] = []
        for node in self.tree.root_node.named_children:
            if node.type == "decorators":
                decorators = [text(d)[1:] for d in node.named_children]
                continue
            kind = node.type.removesuffix("_declaration")
            if kind in ("parameter", "variable", "resource", "module", "output"):
                kind = {"parameter": "param", "variable": "var"}.get(kind, kind)
                name = text(node.named_children[0])
                declaration = Declaration(kind, name, node, tuple(decorators))
                # Outputs have a namespace of their own (an output may share a variable's name).
                (self.outputs if kind == "output" else self.declarations)[name] = declaration
            decorators = []

    def syntax_errors(self) -> list[str]:
        return [
            f"{self.path.name}:{n.start_point[0] + 1}: {text(n)[:60]!r}"
            for n in _walk(self.tree.root_node)
            if n.is_error or n.is_missing
        ]

    def of_kind(self, kind: str) -> list[Declaration]:
        return [d for d in [*self.declarations.values(), *self.outputs.values()] if d.kind == kind]

    def resource_type(self, name: str) -> str:
        return str(literal(self.declarations[name].node.named_children[1])).partition("@")[0]

    def resources(self, resource_type: str) -> list[str]:
        return [d.name for d in self.of_kind("resource") if self.resource_type(d.name) == resource_type]

    def body(self, name: str) -> dict[str, Any]:
        node = self.declarations[name].value
        assert node is not None
        result = literal(node)
        assert isinstance(result, dict)
        return result


def _walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode()


def _string_piece(node: tree_sitter.Node) -> str:
    raw = text(node)
    return raw[1:] if node.type == "escape_sequence" else raw


def literal(node: tree_sitter.Node) -> Any:
    """Objects, arrays and plain literals as Python values; anything computed as an Expr of its source."""
    if node.type == "object":
        props = [p for p in node.named_children if p.type == "object_property"]
        return {
            literal(p.named_children[0])
            if p.named_children[0].type == "string"
            else text(p.named_children[0]): literal(p.named_children[-1])
            for p in props
        }
    if node.type == "array":
        return [literal(item) for item in node.named_children if item.type != "comment"]
    if node.type == "string" and all(c.type in ("string_content", "escape_sequence") for c in node.named_children):
        return "".join(_string_piece(c) for c in node.named_children)
    if node.type == "number":
        return int(text(node))
    if node.type == "boolean":
        return text(node) == "true"
    if node.type == "null":
        return None
    return Expr(text(node))


class Evaluator:
    """Evaluates the few Bicep expressions the container's settings use; anything else fails the test loudly."""

    def __init__(self, bicep: BicepFile, parameters: Mapping[str, Any]) -> None:
        self.bicep = bicep
        self.parameters = parameters
        self.functions: dict[str, Callable[..., Any]] = {
            "string": lambda v: str(v).lower() if isinstance(v, bool) else str(v),
            "empty": lambda v: len(v) == 0,
            "concat": lambda *vs: [x for v in vs for x in v] if isinstance(vs[0], list) else "".join(vs),
            "uriComponent": lambda v: quote(v, safe="-_.!~*'()"),
            "json": json.loads,
        }

    def name(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        declaration = self.bicep.declarations[name]
        assert declaration.kind in ("param", "var"), f"{name} is a {declaration.kind}: not evaluated here"
        assert declaration.value is not None, f"parameter {name} has no value and no default"
        return self.eval(declaration.value)

    def eval(self, node: tree_sitter.Node) -> Any:
        kind = node.type
        if kind in ("object", "array"):
            items = [n for n in node.named_children if n.type != "comment"]
            if kind == "array":
                return [self.eval(n) for n in items]
            return {text(p.named_children[0]): self.eval(p.named_children[-1]) for p in items}
        if kind == "string":
            return "".join(
                str(self.eval(c.named_children[0])) if c.type == "interpolation" else _string_piece(c)
                for c in node.named_children
            )
        if kind in ("number", "boolean", "null"):
            return literal(node)
        if kind == "identifier":
            return self.name(text(node))
        if kind == "parenthesized_expression":
            return self.eval(node.named_children[0])
        if kind == "ternary_expression":
            branch = "consequence" if self.eval(_field(node, "condition")) else "alternative"
            return self.eval(_field(node, branch))
        if kind == "unary_expression" and text(node).startswith("!"):
            return not self.eval(_field(node, "argument"))
        if kind == "binary_expression":
            left, right, operator = _field(node, "left"), _field(node, "right"), text(node.children[1])
            operations: dict[str, Callable[[Any, Any], Any]] = {
                "/": lambda a, b: a // b,
                "&&": lambda a, b: a and b,
                "||": lambda a, b: a or b,
                "==": lambda a, b: a == b,
            }
            return operations[operator](self.eval(left), self.eval(right))
        if text(node) in RUNTIME:
            return RUNTIME[text(node)]
        if kind == "call_expression" and text(_field(node, "function")) in self.functions:
            arguments = _field(node, "arguments").named_children
            return self.functions[text(_field(node, "function"))](*(self.eval(a) for a in arguments))
        raise AssertionError(f"the test cannot evaluate {kind}: {text(node)!r}")


def _field(node: tree_sitter.Node, name: str) -> tree_sitter.Node:
    child = node.child_by_field_name(name)
    assert child is not None, f"{text(node)!r} has no {name}"
    return child


def example_parameters() -> dict[str, Any]:
    raw = json.loads(EXAMPLE_PARAMETERS.read_text(encoding="utf-8"))["parameters"]
    return {name: entry["value"] for name, entry in raw.items()}


def container_environment(parameters: Mapping[str, Any]) -> dict[str, str]:
    """The environment the container app starts the bot with, secretRefs resolved to fictional secrets."""
    bicep = BicepFile(MAIN)
    [container] = bicep.body("app")["properties"]["template"]["containers"]
    assert container["env"] == Expr(
        "concat(requiredSettings, filter(optionalSettings, setting => !empty(setting.value)))"
    )
    evaluator = Evaluator(bicep, parameters)
    optional = [s for s in evaluator.name("optionalSettings") if s["value"]]
    environment: dict[str, str] = {}
    for setting in [*evaluator.name("requiredSettings"), *optional]:
        assert setting["name"] not in environment, f"{setting['name']} is set twice"
        environment[setting["name"]] = SECRETS[setting["secretRef"]] if "secretRef" in setting else setting["value"]
    return environment


def names_settings_reads() -> set[str]:
    """Every environment variable bot/settings.py reads: env.get("X"), helper(env, "X", ...) and the role groups."""
    names = {name for name, _role in GRAPH_ROLE_GROUPS}
    for node in ast.walk(ast.parse(SETTINGS_SOURCE.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func, args = node.func, node.args
        getter = isinstance(func, ast.Attribute) and func.attr == "get" and isinstance(func.value, ast.Name)
        if getter and func.value.id == "env" and args and isinstance(args[0], ast.Constant):  # type: ignore[attr-defined]
            names.add(str(args[0].value))
        for before, after in itertools.pairwise(args):
            if isinstance(before, ast.Name) and before.id == "env" and isinstance(after, ast.Constant):
                names.add(str(after.value))
    return names


# --- the files parse ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(AZURE.rglob("*.bicep")), ids=lambda p: str(p.relative_to(AZURE)))
def test_every_bicep_file_parses_without_a_syntax_error(path: Path) -> None:
    bicep = BicepFile(path)
    assert bicep.syntax_errors() == []
    assert bicep.of_kind("resource"), "a template with no resource"


def test_the_syntax_check_catches_a_broken_template(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bicep"
    broken.write_text(MAIN.read_text(encoding="utf-8").replace("name: containerAppName", "name containerAppName", 1))
    assert BicepFile(broken).syntax_errors()


def test_every_module_a_template_uses_is_there() -> None:
    bicep = BicepFile(MAIN)
    for module in bicep.of_kind("module"):
        assert (AZURE / literal(module.node.named_children[1])).is_file(), module.name


# --- the app's settings ------------------------------------------------------------------------------------------


def test_every_setting_the_container_passes_is_one_the_app_reads() -> None:
    environment = container_environment(example_parameters())
    unknown = set(environment) - names_settings_reads()
    assert not unknown, f"bot/settings.py reads none of {sorted(unknown)}"


def test_the_container_passes_every_setting_production_needs() -> None:
    environment = container_environment(example_parameters())
    required = {
        "MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId", "DATABASE_URL",
        "DEBRIEF_PUBLIC_URL", "DEBRIEF_REVIEW_TEAM_CHANNEL_ID", "DEBRIEF_DIRECTORY", "DEBRIEF_GRAPH_GROUP_REVIEW_TEAM",
        "HOST", "PORT", "DEBRIEF_ENVIRONMENT",
    }  # fmt: skip
    assert required <= set(environment)
    assert {name for name, _role in GRAPH_ROLE_GROUPS} | {"DEBRIEF_GRAPH_GROUP_PARTNERS"} <= set(environment)
    assert environment["MicrosoftAppType"] == "SingleTenant"
    assert environment["DEBRIEF_DIRECTORY"] == "graph"
    assert environment["DEBRIEF_ENVIRONMENT"] == "production"


def test_the_app_starts_with_the_settings_the_template_deploys() -> None:
    parameters = example_parameters()
    settings = load_settings(container_environment(parameters))
    assert not settings.anonymous and not settings.development
    assert settings.app_id == parameters["botAppId"]
    assert settings.app_tenant_id == parameters["tenantId"]
    assert settings.app_password == SECRETS["microsoft-app-password"]
    assert settings.database_url == SECRETS["database-url"]
    assert settings.metrics_token == SECRETS["metrics-token"]
    assert (settings.host, settings.port) == ("0.0.0.0", 3978)
    assert settings.public_url == f"https://ca-rdebrief.{RUNTIME['environment.properties.defaultDomain']}"
    assert (
        settings.sso_app_id_uri
        == f"api://ca-rdebrief.{RUNTIME['environment.properties.defaultDomain']}/{settings.app_id}"
    )
    assert settings.graph is not None
    assert settings.graph.role_groups[Role.REVIEW_TEAM] == parameters["reviewTeamGroupId"]
    assert settings.graph.partner_domains == {"probation.example": "Probation Service"}
    assert settings.review_team_channel_id == parameters["reviewTeamChannelId"]
    # Each replica sends its share of Teams' 50 a second per tenant, so all of them together stay within it.
    assert settings.tenant_sends_per_s * parameters["maxReplicas"] <= 50


def test_with_only_the_required_parameters_the_app_starts_on_its_defaults() -> None:
    bicep = BicepFile(MAIN)
    required = {d.name for d in bicep.of_kind("param") if d.value is None}
    parameters = {name: value for name, value in example_parameters().items() if name in required}
    environment = container_environment(parameters)
    assert "DEBRIEF_GRAPH_GROUP_SIO" not in environment  # left out, not set empty
    settings = load_settings(environment)
    assert settings.online_meetings is None
    assert settings.graph is not None and set(settings.graph.role_groups) == {Role.REVIEW_TEAM}
    assert settings.public_url.startswith("https://ca-rdebrief.")


def test_a_custom_domain_becomes_the_public_address_and_the_bot_endpoint() -> None:
    parameters = {**example_parameters(), "customDomainHostName": "debrief.force.example"}
    assert load_settings(container_environment(parameters)).public_url == "https://debrief.force.example"
    assert (
        Evaluator(BicepFile(MAIN), parameters).name("messagingEndpoint") == "https://debrief.force.example/api/messages"
    )


def test_the_database_url_in_key_vault_reaches_postgres_over_tls_with_any_password() -> None:
    password = "fictional-P@ss:w/rd?#%& 'x'"
    parameters = {**example_parameters(), "postgresAdministratorPassword": password}
    url = Evaluator(BicepFile(MAIN), parameters).name("databaseUrl")
    _args, connect = asyncpg_dialect().create_connect_args(make_url(normalise_url(url)))  # type: ignore[no-untyped-call]
    assert connect == {
        "host": RUNTIME["postgres.properties.fullyQualifiedDomainName"],
        "port": 5432,
        "user": "debriefadmin",
        "password": password,
        "database": "debrief",
        "ssl": "require",
    }


# --- the resources ------------------------------------------------------------------------------------------------


def test_names_and_region_are_parameters_and_the_region_is_uk_south() -> None:
    bicep = BicepFile(MAIN)
    assert literal(bicep.declarations["location"].value) == "uksouth"  # type: ignore[arg-type]
    fixed_by_azure = {"privatelink.vaultcore.azure.net", "to-log-analytics"}  # the zone Azure names; a child setting
    for resource in bicep.of_kind("resource"):
        body, top_level = bicep.body(resource.name), bicep.resource_type(resource.name).count("/") == 1
        if top_level and body["name"] not in fixed_by_azure:
            assert isinstance(body["name"], Expr), f"{resource.name}'s name is fixed"
        if "location" in body:
            assert body["location"] in (Expr("location"), "global"), resource.name
        if top_level and "location" in body:  # tracked resources take tags; role assignments and settings do not
            assert body.get("tags") == Expr("tags"), f"{resource.name} is not tagged"


def test_secrets_are_secure_parameters_without_defaults_and_never_outputs() -> None:
    bicep = BicepFile(MAIN)
    secure = {d.name for d in bicep.of_kind("param") if "secure()" in d.decorators}
    assert secure == {"botClientSecret", "postgresAdministratorPassword", "metricsToken"}
    assert all(bicep.declarations[name].value is None for name in secure)
    assert not secure & set(example_parameters()), "a secret in the parameters file"
    for output in bicep.of_kind("output"):
        used = {text(n) for n in _walk(output.node) if n.type == "identifier"}
        assert not used & (secure | {"databaseUrl"}), output.name
    secrets = bicep.resources("Microsoft.KeyVault/vaults/secrets")
    assert {bicep.body(s)["name"] for s in secrets} >= {"microsoft-app-password", "database-url", "metrics-token"}


def test_key_vault_uses_rbac_purge_protection_and_soft_delete() -> None:
    bicep = BicepFile(MAIN)
    [vault] = bicep.resources("Microsoft.KeyVault/vaults")
    properties = bicep.body(vault)["properties"]
    assert properties["enableRbacAuthorization"] is True
    assert properties["enablePurgeProtection"] is True
    assert properties["enableSoftDelete"] is True
    assert properties["publicNetworkAccess"] == Expr("keyVaultPublicNetworkAccess")
    # The app's identity may read secrets (Key Vault Secrets User) and nothing more.
    assert "'4633458b-17de-408a-b874-0445c86b69e6'" in text(bicep.declarations["keyVaultSecretsUserRoleId"].node)


def test_the_container_app_runs_two_replicas_https_only_with_health_probes_and_vault_secrets() -> None:
    bicep = BicepFile(MAIN)
    assert "minValue(2)" in bicep.declarations["minReplicas"].decorators
    assert literal(bicep.declarations["minReplicas"].value) == 2  # type: ignore[arg-type]
    app = bicep.body("app")
    configuration, template = app["properties"]["configuration"], app["properties"]["template"]
    assert template["scale"]["minReplicas"] == Expr("minReplicas")
    ingress = configuration["ingress"]
    assert ingress["external"] is True and ingress["allowInsecure"] is False
    assert ingress["targetPort"] == Expr("botPort")
    assert literal(bicep.declarations["botPort"].value) == 3978  # type: ignore[arg-type]
    [container] = template["containers"]
    probes = {probe["type"]: probe["httpGet"] for probe in container["probes"]}
    assert set(probes) == {"Startup", "Readiness", "Liveness"}
    assert all(probe == {"path": "/healthz", "port": Expr("botPort")} for probe in probes.values())
    for secret in configuration["secrets"]:
        assert set(secret) == {"name", "keyVaultUrl", "identity"}, "a secret value in the app's definition"
        assert secret["identity"] == Expr("identity.id")
    assert app["identity"]["type"] == "UserAssigned"


def test_postgres_is_a_supported_version_with_tls_ha_backups_and_the_bots_database() -> None:
    bicep = BicepFile(MAIN)
    [allowed] = [d for d in bicep.declarations["postgresVersion"].decorators if d.startswith("allowed(")]
    versions = set(re.findall(r"'([0-9]+)'", allowed))
    assert versions and versions <= {"14", "15", "16", "17"}, "a PostgreSQL version Azure does not support"
    assert literal(bicep.declarations["postgresVersion"].value) in versions  # type: ignore[arg-type]
    properties = bicep.body("postgres")["properties"]
    assert properties["version"] == Expr("postgresVersion")
    assert properties["highAvailability"]["mode"] == Expr("postgresZoneRedundantHa ? 'ZoneRedundant' : 'Disabled'")
    assert properties["backup"]["backupRetentionDays"] == Expr("postgresBackupRetentionDays")
    configurations = {
        bicep.body(c)["name"]: bicep.body(c)["properties"]["value"]
        for c in bicep.resources("Microsoft.DBforPostgreSQL/flexibleServers/configurations")
    }
    assert configurations == {"require_secure_transport": "on", "ssl_min_protocol_version": "TLSv1.2"}
    [database] = bicep.resources("Microsoft.DBforPostgreSQL/flexibleServers/databases")
    assert bicep.body(database)["name"] == Expr("databaseName")
    network = properties["network"].text
    assert network.startswith("privateNetworking") and "publicNetworkAccess: 'Disabled'" in network


def test_the_azure_bot_is_single_tenant_global_with_the_teams_channel() -> None:
    bicep = BicepFile(MAIN)
    [name] = bicep.resources("Microsoft.BotService/botServices")
    bot = bicep.body(name)
    assert (bot["location"], bot["kind"], bot["sku"]) == ("global", "azurebot", {"name": Expr("botSku")})
    properties = bot["properties"]
    assert properties["msaAppType"] == "SingleTenant"
    assert properties["msaAppTenantId"] == Expr("tenantId") and properties["msaAppId"] == Expr("botAppId")
    assert "msaAppMSIResourceId" not in properties
    assert Evaluator(bicep, example_parameters()).name("messagingEndpoint") == (
        f"https://ca-rdebrief.{RUNTIME['environment.properties.defaultDomain']}/api/messages"
    )
    [channel] = bicep.resources("Microsoft.BotService/botServices/channels")
    assert bicep.body(channel)["name"] == "MsTeamsChannel"
    assert bicep.body(channel)["properties"]["properties"]["isEnabled"] is True


def test_every_service_sends_its_logs_to_log_analytics() -> None:
    bicep = BicepFile(MAIN)
    diagnosed = {}
    for setting in bicep.resources("Microsoft.Insights/diagnosticSettings"):
        body = bicep.body(setting)
        assert body["properties"]["workspaceId"] == Expr("logAnalytics.id")
        assert all(log["enabled"] is True for log in body["properties"]["logs"])
        diagnosed[body["scope"]] = setting
    assert set(diagnosed) == {Expr("environment"), Expr("keyVault"), Expr("postgres"), Expr("bot")}
    environment = bicep.body("environment")["properties"]
    assert environment["appLogsConfiguration"]["destination"] == "azure-monitor"


def test_the_outputs_give_the_app_address_and_the_messaging_endpoint() -> None:
    outputs = {d.name for d in BicepFile(MAIN).of_kind("output")}
    assert {"appFqdn", "messagingEndpoint", "publicUrl"} <= outputs


def test_the_example_parameters_are_all_declared_and_fictional() -> None:
    bicep = BicepFile(MAIN)
    declared = {d.name for d in bicep.of_kind("param")}
    parameters = example_parameters()
    assert set(parameters) <= declared
    guids = [v for v in parameters.values() if isinstance(v, str) and re.fullmatch(r"[0-9a-f-]{36}", v)]
    assert guids and all(g.startswith("00000000-0000-4000-8000-") for g in guids)
    assert parameters["tags"]["owner"].endswith(".example")
