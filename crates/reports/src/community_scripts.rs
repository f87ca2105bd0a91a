//! Community-Scripts (Proxmox VE helper scripts): install, PVE tool and addon reports.
//!
//! The bash client writes each body with a here-document; numbers are unquoted shell
//! variables and only `error`, `cpu_model` and `gpu_model` are JSON-escaped, so real bodies
//! can be invalid JSON. The model is strict: such a body is reported as invalid, not repaired.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Declares a report struct with the fields every report kind shares, then its own.
macro_rules! report {
    ($(#[$meta:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        #[schemars(extend("x-privacy" = "enum"))]
        pub struct $name {
            /// Session UUID, fresh for every run (a run is told apart by its app and type).
            #[schemars(extend("x-privacy" = "random-id", "x-run-told-by" = ["/nsapp", "/type"]))]
            pub random_id: String,
            /// Execution UUID; equals `random_id` unless the run was retried (`<uuid>-r<n>`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[schemars(extend("x-privacy" = "random-id"))]
            pub execution_id: Option<String>,
            /// Kind of run: `lxc`, `vm`, `turnkey`, `pve`, `addon`, `tool`.
            #[serde(rename = "type")]
            #[schemars(extend("x-privacy" = "enum"))]
            pub kind: String,
            /// Script or application slug, e.g. `jellyfin`.
            #[schemars(extend("x-privacy" = "enum"))]
            pub nsapp: String,
            /// Lifecycle state: `installing`, `validation`, `configuring`, `success`,
            /// `failed`, `aborted`, `unknown`.
            #[schemars(extend("x-privacy" = "enum"))]
            pub status: String,
            /// Exit status, 0–255.
            #[schemars(range(max = 255))]
            #[schemars(extend("x-privacy" = "enum"))]
            pub exit_code: u32,
            /// Error trace: empty on success; on failure the failed command and the tail of
            /// its output, with three of four IPv4 octets masked.
            #[serde(default)]
            #[schemars(extend("x-privacy" = "declared-free-text"))]
            pub error: String,
            /// Failure class (`network`, `dependency`, `storage`, …) or empty.
            #[serde(default)]
            #[schemars(extend("x-privacy" = "enum"))]
            pub error_category: String,
            /// Seconds since the start of the run.
            #[serde(default)]
            #[schemars(range(max = 86400))]
            #[schemars(extend("x-privacy" = "quantity"))]
            pub install_duration: u32,
            /// Where the script came from: `ProxmoxVE`, `ProxmoxVED`, `external`.
            #[serde(default)]
            #[schemars(extend("x-privacy" = "enum"))]
            pub repo_source: String,
            /// `owner/repo` the script was fetched from; for a fork, the owner is a user name.
            #[serde(default)]
            #[schemars(extend("x-privacy" = "label"))]
            pub repo_slug: String,
            $($extra)*
        }
    };
}

report! {
    /// The LXC/VM install report (`type` `lxc` or `vm`), sent at each lifecycle step.
    InstallReport {
        /// Container privilege: 1 unprivileged, 0 privileged, 2 for VMs.
        #[schemars(range(max = 2))]
        #[schemars(extend("x-privacy" = "enum"))]
        pub ct_type: u32,
        /// Disk size in GB.
        #[schemars(range(max = 100000))]
        #[schemars(extend("x-privacy" = "quantity"))]
        pub disk_size: u64,
        /// vCPU cores.
        #[schemars(range(max = 256))]
        #[schemars(extend("x-privacy" = "quantity"))]
        pub core_count: u32,
        /// RAM in MiB.
        #[schemars(range(max = 1048576))]
        #[schemars(extend("x-privacy" = "quantity"))]
        pub ram_size: u64,
        /// Guest OS id (`debian`, `ubuntu`, `alpine`, …).
        #[schemars(extend("x-privacy" = "enum"))]
        pub os_type: String,
        /// Guest OS version, e.g. `12` or `24.04`.
        #[schemars(extend("x-privacy" = "version"))]
        pub os_version: String,
        /// Proxmox VE version (`8.3.2`), or `incus-<version>`.
        #[schemars(extend("x-privacy" = "version"))]
        pub pve_version: String,
        /// Install mode: `default`, `advanced`, `mydefaults-global`, …
        #[schemars(extend("x-privacy" = "enum"))]
        pub method: String,
        /// CPU vendor: `intel`, `amd`, `arm`, `unknown`.
        #[serde(default)]
        #[schemars(extend("x-privacy" = "enum"))]
        pub cpu_vendor: String,
        /// CPU model name from `/proc/cpuinfo`, at most 64 characters.
        #[serde(default)]
        #[schemars(length(max = 64))]
        #[schemars(extend("x-privacy" = "environment"))]
        pub cpu_model: String,
        /// GPU vendor: `intel`, `amd`, `nvidia`, `unknown`.
        #[serde(default)]
        #[schemars(extend("x-privacy" = "enum"))]
        pub gpu_vendor: String,
        /// Name of the first display device, at most 64 characters.
        #[serde(default)]
        #[schemars(length(max = 64))]
        #[schemars(extend("x-privacy" = "environment"))]
        pub gpu_model: String,
        /// Guessed GPU class: `igpu`, `dgpu`, `unknown`.
        #[serde(default)]
        #[schemars(extend("x-privacy" = "enum"))]
        pub gpu_passthrough: String,
        /// Memory speed in MT/s, digits or empty.
        #[serde(default)]
        #[schemars(regex(pattern = r"^[0-9]*$"))]
        #[schemars(extend("x-privacy" = "quantity"))]
        pub ram_speed: String,
        /// Host architecture (`amd64`, `arm64`); accepted and dropped by the collector.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(extend("x-privacy" = "environment"))]
        pub arch: Option<String>,
        /// Virtualisation platform (`pve`, `incus`, empty); dropped by the collector.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(extend("x-privacy" = "environment"))]
        pub platform: Option<String>,
        /// Whether the host is arm64.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(extend("x-privacy" = "flag"))]
        pub has_arm: Option<bool>,
    }
}

report! {
    /// The PVE tool report (`type` `pve`), sent once when a host tool exits.
    PveToolReport {
        /// Proxmox VE version.
        #[schemars(extend("x-privacy" = "version"))]
        pub pve_version: String,
        /// Virtualisation platform.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(extend("x-privacy" = "environment"))]
        pub platform: Option<String>,
    }
}

report! {
    /// The addon report (`type` `addon`), sent from inside a container when an addon exits.
    AddonReport {
        /// OS id of the container.
        #[schemars(extend("x-privacy" = "enum"))]
        pub os_type: String,
        /// OS version of the container.
        #[schemars(extend("x-privacy" = "version"))]
        pub os_version: String,
        /// Virtualisation platform.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(extend("x-privacy" = "environment"))]
        pub platform: Option<String>,
    }
}
