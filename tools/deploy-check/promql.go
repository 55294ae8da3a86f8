package main

import (
	"fmt"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/common/model"
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
