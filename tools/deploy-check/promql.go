package main

import (
	"encoding/json"
	"fmt"
	"io"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// checkRules parses every rule's expression with Prometheus' own PromQL parser
// and checks the fields Prometheus would refuse: alert/record names, `for`
// durations, label names, and that an alert has a summary.
func checkRules(o object, rule *monitoringv1.PrometheusRule) []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s: %s", o.source, fmt.Sprintf(format, args...)))
	}
	if len(rule.Spec.Groups) == 0 {
		add("PrometheusRule has no groups")
	}
	for _, g := range rule.Spec.Groups {
		if len(g.Rules) == 0 {
			add("group %s has no rules", g.Name)
		}
		for _, r := range g.Rules {
			name := r.Alert + r.Record
			if (r.Alert == "") == (r.Record == "") {
				add("group %s: a rule needs exactly one of alert and record", g.Name)
			}
			if _, err := parser.NewParser(parser.Options{}).ParseExpr(r.Expr.String()); err != nil {
				add("rule %s: expr: %v", name, err)
			}
			if r.For != nil {
				if _, err := model.ParseDuration(string(*r.For)); err != nil {
					add("rule %s: for: %v", name, err)
				}
			}
			for k := range r.Labels {
				if !model.LabelName(k).IsValidLegacy() {
					add("rule %s: label name %q is not valid", name, k)
				}
			}
			if r.Alert != "" && r.Annotations["summary"] == "" {
				add("alert %s has no summary annotation", name)
			}
		}
	}
	return problems
}

// metricNames prints, for each PromQL expression in the JSON array on stdin, the metric
// names its selectors name (JSON array of {expr, metrics, error}), so tests can compare
// dashboards and rules with what the service exports, using Prometheus' own parser.
func metricNames(in io.Reader, out io.Writer) error {
	var exprs []string
	if err := json.NewDecoder(in).Decode(&exprs); err != nil {
		return fmt.Errorf("stdin: a JSON array of expressions: %w", err)
	}
	type result struct {
		Expr    string   `json:"expr"`
		Metrics []string `json:"metrics"`
		Error   string   `json:"error,omitempty"`
	}
	results := make([]result, 0, len(exprs))
	for _, text := range exprs {
		r := result{Expr: text, Metrics: []string{}}
		expr, err := parser.NewParser(parser.Options{}).ParseExpr(text)
		if err != nil {
			r.Error = err.Error()
		} else {
			parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
				if vs, ok := node.(*parser.VectorSelector); ok {
					r.Metrics = append(r.Metrics, selectorName(vs))
				}
				return nil
			})
		}
		results = append(results, r)
	}
	return json.NewEncoder(out).Encode(results)
}

// selectorName is the metric a selector names: `foo{…}` or `{__name__="foo"}`; "" when it
// names none by equality (a regex on __name__), which the caller must treat as unknown.
func selectorName(vs *parser.VectorSelector) string {
	if vs.Name != "" {
		return vs.Name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}
