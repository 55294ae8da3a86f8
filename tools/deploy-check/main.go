// Command deploy-check validates auditwatch's deployment files offline, in CI:
//
//	deploy-check compose docker-compose.yml    Compose file: compose-go loader (the parser
//	                                           Docker Compose itself uses, with the Compose
//	                                           specification JSON Schema built in) + our checks
//	deploy-check k8s [-external Kind/name,...] rendered.yaml...
//	                                           rendered Helm output: strict decoding into the
//	                                           Kubernetes API types (client-go scheme) and the
//	                                           prometheus-operator types, PromQL parsing, and
//	                                           cross-object checks
//	deploy-check promql-metrics < exprs.json   the metric names each PromQL expression of a
//	                                           JSON array selects (JSON on stdout), for tests
//
// Exit status: 0 valid, 1 problems found (each printed as "file: problem"), 2 usage.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "promql-metrics" {
		if err := metricNames(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "deploy-check:", err)
			os.Exit(2)
		}
		return
	}
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: deploy-check compose FILE | deploy-check k8s FILE... | deploy-check promql-metrics < exprs.json")
		os.Exit(2)
	}
	var problems []string
	switch os.Args[1] {
	case "compose":
		problems = checkCompose(os.Args[2])
	case "k8s":
		files := os.Args[2:]
		if len(files) >= 2 && files[0] == "-external" {
			for _, ref := range strings.Split(files[1], ",") {
				if ref = strings.TrimSpace(ref); ref != "" {
					externalObjects[ref] = true
				}
			}
			files = files[2:]
		}
		for _, file := range files {
			problems = append(problems, checkManifests(file)...)
		}
	default:
		fmt.Fprintf(os.Stderr, "deploy-check: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}
