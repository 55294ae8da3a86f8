package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// checkCompose loads the file the way `docker compose config` does: schema
// validation against the Compose specification, interpolation, merge keys,
// normalisation and the consistency checks (unknown services in depends_on,
// undefined volumes and networks). The process environment is ignored so the
// result does not depend on the machine; ${VAR:-default} falls back to defaults.
func checkCompose(file string) []string {
	opts, err := cli.NewProjectOptions([]string{file},
		cli.WithEnv([]string{}),
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithInterpolation(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", file, err)}
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", file, err)}
	}
	var problems []string
	add := func(service, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s: service %s: %s", file, service, fmt.Sprintf(format, args...)))
	}
	names := make([]string, 0, len(project.Services))
	for name := range project.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		svc := project.Services[name]
		if svc.Image == "" && svc.Build == nil {
			add(name, "has neither image nor build")
		}
		if svc.Image != "" && svc.Build == nil && !pinnedImage(svc.Image) {
			add(name, "image %q must carry an explicit tag other than latest", svc.Image)
		}
		if svc.Build != nil {
			if _, err := os.Stat(filepath.Join(svc.Build.Context, svc.Build.Dockerfile)); svc.Build.Dockerfile != "" && err != nil {
				add(name, "build: Dockerfile %s not found", svc.Build.Dockerfile)
			}
		}
		for dep, d := range svc.DependsOn {
			target, ok := project.Services[dep]
			if !ok {
				continue // the loader's consistency check already reports it
			}
			if d.Condition == types.ServiceConditionHealthy && (target.HealthCheck == nil || target.HealthCheck.Disable) {
				add(name, "depends on %s being healthy, but %s has no healthcheck", dep, dep)
			}
		}
		for _, v := range svc.Volumes {
			if v.Type == types.VolumeTypeBind {
				if _, err := os.Stat(v.Source); err != nil {
					add(name, "bind mount source %s does not exist", v.Source)
				}
			}
		}
	}
	return problems
}

// pinnedImage is true for name:tag (tag not "latest") or name@digest.
func pinnedImage(image string) bool {
	if strings.Contains(image, "@sha256:") {
		return true
	}
	slash := strings.LastIndex(image, "/")
	colon := strings.LastIndex(image, ":")
	return colon > slash && image[colon+1:] != "latest"
}
