"""What template.yaml deploys for each Auth value, through the SAM transform and resolved as
CloudFormation resolves it (support.deploy): who may call each route, the JWT authorizer and the
rule that refuses a JWT stack without an issuer or audience, the stage's throttling and access
logs (which carry no request data), and CORS only when asked for.

Needs no built artefact: `make check` runs it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .support import Stack, deploy, load_template

ROUTE_KEYS = ["$default", "ANY /items", "ANY /items/{id}"]
API = {"Ref": "ItemsHttpApi"}
TARGET = {"Fn::Sub": "integrations/${ItemsIntegration}"}
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example"
JWT = {"Auth": "JWT", "JwtIssuer": ISSUER, "JwtAudience": "client-a,client-b"}
NEEDS_ISSUER = "Auth=JWT needs JwtIssuer, the https URL of the tokens' issuer."
NEEDS_AUDIENCE = "Auth=JWT needs JwtAudience, one or more non-empty audiences."

# The access log line: one JSON object a request, each member a single $context variable.
ACCESS_LOG = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTimeEpoch",
    "ip": "$context.identity.sourceIp",
    "caller": "$context.identity.userArn",
    "sub": "$context.authorizer.claims.sub",
    "method": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integration.status",
    "integrationLatency": "$context.integration.latency",
    "integrationError": "$context.integration.error",
    "authorizerError": "$context.authorizer.error",
}


def routes(stack: Stack) -> dict[str, dict[str, Any]]:
    """Every route the stack creates, by route key; it holds no OpenAPI body that could add more."""
    apis = stack.of_type("AWS::ApiGatewayV2::Api")
    assert list(apis) == ["ItemsHttpApi"]
    assert "Body" not in apis["ItemsHttpApi"] and "BodyS3Location" not in apis["ItemsHttpApi"]
    assert stack.of_type("AWS::Serverless::HttpApi") == {}
    by_key = {
        props["RouteKey"]: props for props in stack.of_type("AWS::ApiGatewayV2::Route").values()
    }
    assert sorted(by_key) == ROUTE_KEYS
    return by_key


def stage(stack: Stack) -> dict[str, Any]:
    stages = stack.of_type("AWS::ApiGatewayV2::Stage")
    assert list(stages) == ["ItemsApiStage"]
    return stages["ItemsApiStage"]


def access_log_format(stack: Stack) -> str:
    text: str = stage(stack)["AccessLogSettings"]["Format"]
    return text


# ---- Authorization -------------------------------------------------------------------------------


def test_auth_is_aws_iam_unless_chosen_otherwise() -> None:
    declaration = load_template()["Parameters"]["Auth"]
    assert declaration["Type"] == "String"
    assert declaration["AllowedValues"] == ["AWS_IAM", "JWT", "NONE"]
    assert declaration["Default"] == "AWS_IAM"


def test_every_route_needs_iam_authorization_by_default() -> None:
    # GIVEN the stack deployed with no parameter given
    stack = deploy()
    # THEN every route goes to the function, each with IAM authorization, and no authorizer exists
    assert routes(stack) == {
        key: {"ApiId": API, "RouteKey": key, "Target": TARGET, "AuthorizationType": "AWS_IAM"}
        for key in ROUTE_KEYS
    }
    assert stack.of_type("AWS::ApiGatewayV2::Authorizer") == {}
    assert deploy({"Auth": "AWS_IAM"}).resources == stack.resources


def test_every_route_goes_to_the_function_in_payload_2() -> None:
    stack = deploy()
    assert stack.of_type("AWS::ApiGatewayV2::Integration") == {
        "ItemsIntegration": {
            "ApiId": API,
            "IntegrationType": "AWS_PROXY",
            "IntegrationUri": {"Fn::GetAtt": ["ItemsFunction", "Arn"]},
            "PayloadFormatVersion": "2.0",
            "TimeoutInMillis": 30000,
        }
    }
    # API Gateway may invoke the function from this API alone
    assert stack.of_type("AWS::Lambda::Permission") == {
        "ItemsApiInvokePermission": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": "ItemsFunction"},
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": {
                "Fn::Sub": (
                    "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}"
                    ":${ItemsHttpApi}/*"
                )
            },
        }
    }
    assert stack.outputs["ApiUrl"]["Value"] == {"Fn::GetAtt": ["ItemsHttpApi", "ApiEndpoint"]}


def test_jwt_puts_every_route_behind_a_jwt_authorizer() -> None:
    # GIVEN Auth=JWT with an issuer and two audiences
    stack = deploy(JWT)
    # THEN the authorizer checks bearer tokens from that issuer for those audiences
    assert stack.failed_assertions == []
    assert stack.of_type("AWS::ApiGatewayV2::Authorizer") == {
        "ItemsJwtAuthorizer": {
            "ApiId": API,
            "Name": "jwt",
            "AuthorizerType": "JWT",
            "IdentitySource": ["$request.header.Authorization"],
            "JwtConfiguration": {"Issuer": ISSUER, "Audience": ["client-a", "client-b"]},
        }
    }
    # AND every route uses it
    assert routes(stack) == {
        key: {
            "ApiId": API,
            "RouteKey": key,
            "Target": TARGET,
            "AuthorizationType": "JWT",
            "AuthorizerId": {"Ref": "ItemsJwtAuthorizer"},
        }
        for key in ROUTE_KEYS
    }


def test_routes_are_open_only_with_auth_none() -> None:
    stack = deploy({"Auth": "NONE"})
    assert routes(stack) == {
        key: {"ApiId": API, "RouteKey": key, "Target": TARGET, "AuthorizationType": "NONE"}
        for key in ROUTE_KEYS
    }
    assert stack.of_type("AWS::ApiGatewayV2::Authorizer") == {}
    # No other Auth value leaves a route without authorization
    for parameters in ({}, {"Auth": "AWS_IAM"}, JWT):
        assert all(
            route["AuthorizationType"] != "NONE" for route in routes(deploy(parameters)).values()
        )


@pytest.mark.parametrize(
    ("parameters", "failed"),
    [
        ({"Auth": "JWT"}, [NEEDS_ISSUER, NEEDS_AUDIENCE]),
        ({"Auth": "JWT", "JwtAudience": "client-a"}, [NEEDS_ISSUER]),
        ({"Auth": "JWT", "JwtIssuer": ISSUER}, [NEEDS_AUDIENCE]),
        ({"Auth": "JWT", "JwtIssuer": ISSUER, "JwtAudience": "client-a,"}, [NEEDS_AUDIENCE]),
        (JWT, []),
        ({}, []),
        ({"Auth": "AWS_IAM"}, []),
        ({"Auth": "NONE"}, []),
    ],
)
def test_a_jwt_stack_without_issuer_or_audience_fails_at_deploy_time(
    parameters: dict[str, str], failed: list[str]
) -> None:
    assert deploy(parameters).failed_assertions == failed


@pytest.mark.parametrize(
    ("issuer", "allowed"),
    [
        ("", True),
        (ISSUER, True),
        ("https://issuer.example.com/", True),
        ("http://issuer.example.com", False),
        ("issuer.example.com", False),
        ("https://issuer.example.com/ x", False),
    ],
)
def test_the_issuer_is_an_https_url(issuer: str, allowed: bool) -> None:
    # CloudFormation matches AllowedPattern against the whole value
    pattern = load_template()["Parameters"]["JwtIssuer"]["AllowedPattern"]
    assert pattern == "^(https://\\S+)?$"
    assert (re.fullmatch(pattern, issuer) is not None) == allowed


# ---- The stage: throttling and access logs -------------------------------------------------------


@pytest.mark.parametrize("auth", [{}, JWT, {"Auth": "NONE"}])
def test_the_stage_throttles_every_route_and_logs_each_request(auth: dict[str, str]) -> None:
    stack = deploy(auth)
    assert stage(stack) == {
        "ApiId": API,
        "StageName": "$default",
        "AutoDeploy": True,
        "DefaultRouteSettings": {"ThrottlingBurstLimit": "200", "ThrottlingRateLimit": "100"},
        "AccessLogSettings": {
            "DestinationArn": {"Fn::GetAtt": ["ItemsApiAccessLogs", "Arn"]},
            "Format": access_log_format(stack),
        },
    }
    # Created after its routes, so that its first automatic deployment serves them
    assert stack.resources["ItemsApiStage"]["DependsOn"] == [
        "ItemsRoute",
        "ItemRoute",
        "DefaultRoute",
    ]
    assert json.loads(access_log_format(stack)) == ACCESS_LOG
    assert stack.of_type("AWS::Logs::LogGroup")["ItemsApiAccessLogs"] == {"RetentionInDays": "30"}


def test_throttling_and_log_retention_follow_their_parameters() -> None:
    stack = deploy(
        {"ThrottlingBurstLimit": "20", "ThrottlingRateLimit": "5", "AccessLogRetentionDays": "7"}
    )
    assert stage(stack)["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": "20",
        "ThrottlingRateLimit": "5",
    }
    assert stack.of_type("AWS::Logs::LogGroup")["ItemsApiAccessLogs"] == {"RetentionInDays": "7"}
    parameters = load_template()["Parameters"]
    assert parameters["ThrottlingBurstLimit"]["MinValue"] == 1
    assert parameters["ThrottlingRateLimit"]["MinValue"] == 1


# What can carry user data: the path (an item's id), the query string, headers (the user agent, a
# token), the body, and claims other than the subject.
USER_DATA = re.compile(
    r"\$(input|request|stageVariables|util)\b"
    r"|\$context\.(path|resourcePath|requestOverride|responseOverride|customDomain)\b"
    r"|\$context\.identity\.(userAgent|clientCert)\b"
    r"|\$context\.authorizer\.claims\.(?!sub\b)"
    r"|\$context\.authorizer\.(?!claims\.sub\b|error\b)"
    r"|querystring|body|header",
    re.IGNORECASE,
)


def test_the_access_log_carries_no_request_data() -> None:
    text = access_log_format(deploy())
    # One line, a JSON object whose every member is exactly one $context variable
    assert "\n" not in text
    members = json.loads(text)
    assert all(re.fullmatch(r"\$context(\.[A-Za-z]+)+", v) for v in members.values()), members
    variables = re.findall(r"\$[A-Za-z.]+", text)
    assert sorted(variables) == sorted(members.values())
    # None of which holds the path, query string, headers, body or token claims
    assert [v for v in variables if USER_DATA.search(v)] == []
    # (the pattern does catch them)
    for unsafe in (
        "$context.path",
        "$context.identity.userAgent",
        "$context.authorizer.claims.email",
        "$input.body",
        "$request.querystring.cursor",
        "$request.header.Authorization",
    ):
        assert USER_DATA.search(unsafe), unsafe


# ---- CORS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("auth", [{}, JWT, {"Auth": "NONE"}])
def test_no_cors_by_default(auth: dict[str, str]) -> None:
    assert load_template()["Parameters"]["CorsAllowOrigins"]["Default"] == ""
    stack = deploy(auth)
    assert stack.of_type("AWS::ApiGatewayV2::Api")["ItemsHttpApi"] == {
        "Name": {"Ref": "AWS::StackName"},
        "Description": "Items API (template.yaml)",
        "ProtocolType": "HTTP",
    }


def test_cors_for_the_origins_given() -> None:
    stack = deploy({"CorsAllowOrigins": "https://app.example.com,https://admin.example.com"})
    api = stack.of_type("AWS::ApiGatewayV2::Api")["ItemsHttpApi"]
    assert api["CorsConfiguration"] == {
        "AllowOrigins": ["https://app.example.com", "https://admin.example.com"],
        "AllowMethods": ["GET", "POST", "PUT", "DELETE"],
        "AllowHeaders": [
            "authorization",
            "content-type",
            "x-amz-content-sha256",
            "x-amz-date",
            "x-amz-security-token",
        ],
        "ExposeHeaders": ["location", "retry-after"],
        "MaxAge": 600,
    }
    # CORS changes no route's authorization
    assert {r["AuthorizationType"] for r in routes(stack).values()} == {"AWS_IAM"}
