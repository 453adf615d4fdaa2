// Command helm is Helm's own CLI, built from Helm's Go module, with one addition reflow's helm controller
// needs for Flux's `storageNamespace`: when REFLOW_HELM_STORAGE_NAMESPACE is set, the release records
// (Helm's storage) live in that namespace while the release is installed where --namespace says, as
// helm-controller does through Helm's SDK. Unset, it behaves as stock helm (but for the memory driver, which
// starts empty: HELM_MEMORY_DRIVER_DATA is not read).
//
// `helm reflow-features` prints what this build adds; stock helm has no such command, which is how
// reflow tells the two apart.
package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	_ "unsafe" // go:linkname below

	"github.com/spf13/cobra"
	_ "k8s.io/client-go/plugin/pkg/client/auth"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/cli"
	helmcmd "helm.sh/helm/v4/pkg/cmd"
	"helm.sh/helm/v4/pkg/kube"
)

// StorageNamespaceVariable names the namespace of the release records, when it differs from the release's.
const StorageNamespaceVariable = "REFLOW_HELM_STORAGE_NAMESPACE"

// Helm builds its commands around a configuration it initialises itself; these two reach the builder
// that takes the configuration from the caller, and the flags' settings, so storage can be set apart.
//
//go:linkname newRootCmdWithConfig helm.sh/helm/v4/pkg/cmd.newRootCmdWithConfig
func newRootCmdWithConfig(config *action.Configuration, out io.Writer, args []string, logSetup func(bool)) (*cobra.Command, error)

//go:linkname settings helm.sh/helm/v4/pkg/cmd.settings
var settings *cli.EnvSettings

func main() {
	kube.ManagedFieldsManager = "helm"
	config := action.NewConfiguration()
	root, err := newRootCmdWithConfig(config, os.Stdout, os.Args[1:], helmcmd.SetupLogging)
	if err != nil {
		slog.Warn("command failed", slog.Any("error", err))
		os.Exit(1)
	}
	root.AddCommand(&cobra.Command{
		Use:    "reflow-features",
		Hidden: true,
		Args:   cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "storage-namespace")
		},
	})
	cobra.OnInitialize(func() {
		storage := os.Getenv(StorageNamespaceVariable)
		if storage == "" {
			storage = settings.Namespace()
		}
		if err := config.Init(settings.RESTClientGetter(), storage, os.Getenv("HELM_DRIVER")); err != nil {
			log.Fatal(err)
		}
		config.SetHookOutputFunc(func(_, _, _ string) io.Writer { return log.Writer() })
	})
	if err := root.Execute(); err != nil {
		if commandError, ok := errors.AsType[helmcmd.CommandError](err); ok {
			os.Exit(commandError.ExitCode)
		}
		os.Exit(1)
	}
}
