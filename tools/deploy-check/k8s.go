package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// decoder decodes into the typed Kubernetes API (every built-in group/version
// that client-go knows) plus monitoring.coreos.com/v1, strictly: unknown or
// duplicate fields, wrong types and unknown apiVersion/kind pairs are errors.
// Beta versions that client-go still carries but API servers dropped (e.g.
// policy/v1beta1) are caught by the lifecycle check in crossCheck.
var decoder = func() runtime.Decoder {
	scheme := runtime.NewScheme()
	must(clientgoscheme.AddToScheme(scheme))
	must(monitoringv1.AddToScheme(scheme))
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
}()

func must(err error) {
	if err != nil {
		panic(err)
	}
}

var sourceComment = regexp.MustCompile(`(?m)^# Source: (.+)$`)

// object is one decoded document with where it came from.
type object struct {
	source string
	obj    runtime.Object
}

// checkManifests validates every YAML document in file (helm template output).
func checkManifests(file string) []string {
	f, err := os.Open(file)
	if err != nil {
		return []string{err.Error()}
	}
	defer f.Close()
	var problems []string
	var objects []object
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for n := 1; ; n++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return append(problems, fmt.Sprintf("%s: document %d: %v", file, n, err))
		}
		source := fmt.Sprintf("%s#%d", file, n)
		if m := sourceComment.FindSubmatch(doc); m != nil {
			source = fmt.Sprintf("%s (%s)", file, m[1])
		}
		if isEmpty(doc) {
			continue
		}
		obj, _, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", source, err))
			if obj == nil || !runtime.IsStrictDecodingError(err) {
				continue
			}
		}
		objects = append(objects, object{source, obj})
	}
	if len(objects) == 0 {
		problems = append(problems, fmt.Sprintf("%s: no Kubernetes objects", file))
	}
	return append(problems, crossCheck(objects)...)
}

// isEmpty is true for a document of only comments and blank lines.
func isEmpty(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' && string(t) != "---" {
			return false
		}
	}
	return true
}

// crossCheck covers what a schema cannot: references between objects, names,
// required fields the API server would reject, and PromQL in alerting rules.
func crossCheck(objects []object) []string {
	var problems []string
	add := func(o object, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s: %s", o.source, fmt.Sprintf(format, args...)))
	}
	rendered := map[string]bool{}
	for _, o := range objects {
		if gone, ok := o.obj.(interface{ APILifecycleDeprecated() (int, int) }); ok {
			major, minor := gone.APILifecycleDeprecated()
			add(o, "%T is deprecated since Kubernetes %d.%d; use its GA apiVersion", o.obj, major, minor)
		}
		m := metaOf(o.obj)
		rendered[kindOf(o.obj)+"/"+m.GetName()] = true
		for _, msg := range validation.IsDNS1123Subdomain(m.GetName()) {
			add(o, "metadata.name %q: %s", m.GetName(), msg)
		}
		for k, v := range m.GetLabels() {
			for _, msg := range validation.IsQualifiedName(k) {
				add(o, "label key %q: %s", k, msg)
			}
			for _, msg := range validation.IsValidLabelValue(v) {
				add(o, "label %s value %q: %s", k, v, msg)
			}
		}
	}
	for _, o := range objects {
		switch obj := o.obj.(type) {
		case *appsv1.Deployment:
			if obj.Spec.Selector == nil || len(obj.Spec.Selector.MatchLabels) == 0 {
				add(o, "spec.selector.matchLabels is empty")
			} else {
				for k, v := range obj.Spec.Selector.MatchLabels {
					if obj.Spec.Template.Labels[k] != v {
						add(o, "selector %s=%s does not match the pod template's labels", k, v)
					}
				}
			}
			problems = append(problems, checkPodSpec(o, &obj.Spec.Template.Spec, rendered)...)
		case *corev1.Pod:
			problems = append(problems, checkPodSpec(o, &obj.Spec, rendered)...)
		case *corev1.Service:
			if len(obj.Spec.Ports) == 0 {
				add(o, "spec.ports is empty")
			}
		case *monitoringv1.PrometheusRule:
			problems = append(problems, checkRules(o, obj)...)
		}
	}
	return problems
}

// checkPodSpec: containers have names and images, mounts name declared volumes,
// named probe ports exist, and ConfigMaps/Secrets that are used (and not
// optional) are rendered alongside or declared external with -external.
func checkPodSpec(o object, spec *corev1.PodSpec, rendered map[string]bool) []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s: %s", o.source, fmt.Sprintf(format, args...)))
	}
	refs := func(kind, name string, optional *bool) {
		if optional != nil && *optional {
			return
		}
		if !rendered[kind+"/"+name] && !externalObjects[kind+"/"+name] {
			add("uses %s %q, which is neither rendered nor listed as external", kind, name)
		}
	}
	if len(spec.Containers) == 0 {
		add("no containers")
	}
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = true
		if v.ConfigMap != nil {
			refs("ConfigMap", v.ConfigMap.Name, v.ConfigMap.Optional)
		}
		if v.Secret != nil {
			refs("Secret", v.Secret.SecretName, v.Secret.Optional)
		}
		if v.Projected != nil {
			for _, s := range v.Projected.Sources {
				if s.ConfigMap != nil {
					refs("ConfigMap", s.ConfigMap.Name, s.ConfigMap.Optional)
				}
				if s.Secret != nil {
					refs("Secret", s.Secret.Name, s.Secret.Optional)
				}
			}
		}
	}
	if spec.ServiceAccountName != "" && spec.ServiceAccountName != "default" {
		refs("ServiceAccount", spec.ServiceAccountName, nil)
	}
	containers := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
	for _, c := range containers {
		if c.Name == "" || c.Image == "" {
			add("container %q needs a name and an image", c.Name)
		}
		if strings.HasSuffix(c.Image, ":latest") || !strings.Contains(c.Image[strings.LastIndex(c.Image, "/")+1:], ":") && !strings.Contains(c.Image, "@") {
			add("container %s: image %q is not pinned to a tag or digest", c.Name, c.Image)
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				add("container %s mounts undeclared volume %q", c.Name, m.Name)
			}
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			if p.Name != "" {
				ports[p.Name] = true
			}
		}
		probes := []struct {
			what  string
			probe *corev1.Probe
		}{{"startup", c.StartupProbe}, {"liveness", c.LivenessProbe}, {"readiness", c.ReadinessProbe}}
		for _, p := range probes {
			what, probe := p.what, p.probe
			if probe != nil && probe.HTTPGet != nil && probe.HTTPGet.Port.StrVal != "" && !ports[probe.HTTPGet.Port.StrVal] {
				add("container %s: %s probe uses unknown port name %q", c.Name, what, probe.HTTPGet.Port.StrVal)
			}
		}
		for _, e := range c.EnvFrom {
			if e.ConfigMapRef != nil {
				refs("ConfigMap", e.ConfigMapRef.Name, e.ConfigMapRef.Optional)
			}
			if e.SecretRef != nil {
				refs("Secret", e.SecretRef.Name, e.SecretRef.Optional)
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				refs("Secret", e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Optional)
			}
			if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil {
				refs("ConfigMap", e.ValueFrom.ConfigMapKeyRef.Name, e.ValueFrom.ConfigMapKeyRef.Optional)
			}
		}
	}
	return problems
}

// externalObjects are objects the release expects to exist already (an
// existingSecret, an existing rules ConfigMap): "Kind/name", from -external.
var externalObjects = map[string]bool{}

func metaOf(obj runtime.Object) interface {
	GetName() string
	GetLabels() map[string]string
} {
	if m, ok := obj.(interface {
		GetName() string
		GetLabels() map[string]string
	}); ok {
		return m
	}
	panic(fmt.Sprintf("%T has no object metadata", obj))
}

func kindOf(obj runtime.Object) string {
	t := fmt.Sprintf("%T", obj)
	return t[strings.LastIndex(t, ".")+1:]
}
