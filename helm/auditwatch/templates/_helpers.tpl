{{/* Chart name, at most 63 characters (a DNS label). */}}
{{- define "auditwatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name, plus the chart name unless the
release name already contains it. Truncated to 63 characters.
*/}}
{{- define "auditwatch.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart label value: name-version. */}}
{{- define "auditwatch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "auditwatch.labels" -}}
helm.sh/chart: {{ include "auditwatch.chart" . }}
{{ include "auditwatch.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: auditwatch
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels: stable across upgrades (never add version labels here). */}}
{{- define "auditwatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "auditwatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* ServiceAccount name. */}}
{{- define "auditwatch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "auditwatch.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Image reference: repository:tag, or repository@digest when a digest is given. */}}
{{- define "auditwatch.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* The Secret holding credentials chart-side: does the chart render one? */}}
{{- define "auditwatch.createSecret" -}}
{{- if and (not .Values.existingSecret) (include "auditwatch.secretData" .) }}true{{ end }}
{{- end }}

{{/* Secret data lines (only the values that are set), keyed by environment variable name. */}}
{{- define "auditwatch.secretData" -}}
{{- $s := .Values.secrets }}
{{- range $key, $env := dict "kafkaSaslUsername" "AUDITWATCH_KAFKA_SASL_USERNAME" "kafkaSaslPassword" "AUDITWATCH_KAFKA_SASL_PASSWORD" "redisUrl" "AUDITWATCH_REDIS_URL" "redisPassword" "AUDITWATCH_REDIS_PASSWORD" "alertmanagerUrl" "AUDITWATCH_ALERTMANAGER_URL" "alertmanagerBearerToken" "AUDITWATCH_ALERTMANAGER_BEARER_TOKEN" "adminToken" "AUDITWATCH_ADMIN_TOKEN" "slackWebhookUrl" "AUDITWATCH_SLACK_WEBHOOK_URL" "pagerdutyRoutingKey" "AUDITWATCH_PAGERDUTY_ROUTING_KEY" "webhookUrl" "AUDITWATCH_WEBHOOK_URL" "webhookSecret" "AUDITWATCH_WEBHOOK_SECRET" }}
{{- with index $s $key }}
{{ $env }}: {{ . | toString | b64enc | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of the Secret the pod reads credentials from, or empty when there is none. */}}
{{- define "auditwatch.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else if include "auditwatch.createSecret" . }}
{{- include "auditwatch.fullname" . }}
{{- end }}
{{- end }}

{{/* Is there a config file (inline or from an existing ConfigMap)? */}}
{{- define "auditwatch.hasConfig" -}}
{{- if or .Values.config.file .Values.config.existingConfigMap }}true{{ end }}
{{- end }}

{{/* Are there custom rules (inline or from an existing ConfigMap)? */}}
{{- define "auditwatch.hasCustomRules" -}}
{{- if or .Values.rules.custom .Values.rules.existingConfigMap }}true{{ end }}
{{- end }}

{{/* AUDITWATCH_RULES_DIR: the bundled pack and/or the mounted custom rules. */}}
{{- define "auditwatch.rulesDir" -}}
{{- $dirs := list }}
{{- if .Values.rules.builtin }}{{ $dirs = append $dirs "/app/rules" }}{{ end }}
{{- if include "auditwatch.hasCustomRules" . }}{{ $dirs = append $dirs "/etc/auditwatch/rules" }}{{ end }}
{{- if not $dirs }}{{ fail "rules.builtin is false and no custom rules are given (rules.custom or rules.existingConfigMap): auditwatch would have no rules" }}{{ end }}
{{- join "," $dirs }}
{{- end }}
