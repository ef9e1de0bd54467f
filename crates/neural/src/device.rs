//! Where a burn model trains: the `device` setting of every burn configuration, its checks, and
//! the one place a fit picks its backend ([`on_device!`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{NeuralError, Result};

/// Where a burn model trains: the CPU (burn's `ndarray` backend, [`CpuBackend`](crate::CpuBackend))
/// or an NVIDIA GPU (burn's CUDA backend, `CudaBackend`, in a build with the `cuda` feature).
///
/// Written as text in configurations: `"cpu"` (the default), `"cuda"` (GPU 0) or `"cuda:N"`
/// (GPU `N`, counted from 0 in the driver's order). A configuration that leaves it out trains
/// on the CPU, so configurations and model files written before this setting existed read as
/// before. The fitted model is plain CPU memory whatever trained it: a model trained on a GPU
/// loads and serves in a build without the `cuda` feature.
///
/// Asking for a GPU is checked before any work ([`check`](Self::check)): in a build without
/// the `cuda` feature, and in one with it on a machine without an NVIDIA driver, the CUDA
/// toolkit's NVRTC library or the GPU asked for, the fit is a [`NeuralError::Device`] saying
/// why.
///
/// ```
/// use artist2vec_neural::Device;
/// assert_eq!("cuda".parse::<Device>()?, Device::Cuda(0));
/// assert_eq!("CUDA:1".parse::<Device>()?.to_string(), "cuda:1");
/// assert_eq!(Device::default().to_string(), "cpu");
/// assert!("gpu".parse::<Device>().is_err());
/// // In a configuration, as text:
/// let c: artist2vec_neural::TwoTowerConfig = serde_json::from_str(r#"{"device": "cuda:0"}"#)?;
/// assert_eq!(c.device, Device::Cuda(0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Device {
    /// The CPU: burn's `ndarray` backend (the default).
    #[default]
    Cpu,
    /// NVIDIA GPU number `n` (0 first) on burn's CUDA backend; needs the `cuda` feature.
    Cuda(usize),
}

/// What a device name may be.
const EXPECTED: &str = "`cpu`, `cuda` or `cuda:N` (N the GPU's index, 0 first)";

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

impl FromStr for Device {
    type Err = NeuralError;

    /// `cpu`, `cuda` (GPU 0) or `cuda:N`, in any case, surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Self> {
        let name = s.trim().to_ascii_lowercase();
        let index = |n: &str| n.parse::<u16>().ok().map(usize::from);
        match name.as_str() {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            _ => name
                .strip_prefix("cuda:")
                .and_then(index)
                .map(Device::Cuda)
                .ok_or_else(|| NeuralError::Config {
                    field: "device",
                    value: format!("{s:?}"),
                    expected: EXPECTED,
                }),
        }
    }
}

impl Serialize for Device {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Device {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(|_| {
            serde::de::Error::custom(format_args!("unknown device {s:?}: expected {EXPECTED}"))
        })
    }
}

/// The backend a checked [`Device`] trains on ([`on_device!`]).
pub(crate) enum Target {
    /// [`CpuBackend`](crate::CpuBackend).
    Cpu,
    /// `CudaBackend` on GPU `n`.
    #[cfg(feature = "cuda")]
    Cuda(usize),
}

impl Device {
    /// Whether it is the CPU.
    pub fn is_cpu(self) -> bool {
        self == Device::Cpu
    }

    /// Checks that this build and machine can train on the device, before any work: the CPU
    /// always can; a GPU needs the `cuda` feature, then an NVIDIA driver, the NVRTC library
    /// (burn compiles its kernels with it at run time) and a GPU with that index. Every burn
    /// fit calls it first, and so does the registry ([`check_fit`]) before a program reads
    /// its data.
    ///
    /// burn 0.21 itself panics (on its device thread) where these are missing, so the GPU is
    /// probed through the CUDA driver API directly, inside `catch_unwind`.
    ///
    /// [`check_fit`]: artist2vec_core::Registered::check_fit
    ///
    /// # Errors
    /// [`NeuralError::Device`] naming the device and what is missing.
    pub fn check(self) -> Result<()> {
        self.target().map(drop)
    }

    /// [`check`](Self::check), then the backend to train on.
    pub(crate) fn target(self) -> Result<Target> {
        match self {
            Device::Cpu => Ok(Target::Cpu),
            #[cfg(feature = "cuda")]
            Device::Cuda(n) => match cuda::probe(n) {
                Ok(()) => Ok(Target::Cuda(n)),
                Err(reason) => Err(NeuralError::Device {
                    device: self.to_string(),
                    reason,
                }),
            },
            #[cfg(not(feature = "cuda"))]
            Device::Cuda(_) => Err(NeuralError::Device {
                device: self.to_string(),
                reason: "this build has no CUDA backend; rebuild with `--features cuda` \
                         (`cargo build --release --features artist2vec-cli/cuda` for the CLI), \
                         or train on `cpu`"
                    .into(),
            }),
        }
    }
}

/// Evaluates `$fit` with the type `$B` bound to the backend of `$device` (a [`Device`]) and
/// `$dev` to a reference to its burn device, after [`Device::check`] (whose error it
/// returns with `?`): the one place where a fit of this crate picks its backend.
///
/// ```ignore
/// on_device!(self.device, |B, dev| self.fit_on::<B>(data, dev, observer))
/// ```
macro_rules! on_device {
    ($device:expr, |$B:ident, $dev:ident| $fit:expr) => {
        match $crate::device::Device::target($device)? {
            $crate::device::Target::Cpu => {
                type $B = $crate::CpuBackend;
                let $dev = &<$crate::CpuDevice as ::core::default::Default>::default();
                $fit
            }
            #[cfg(feature = "cuda")]
            $crate::device::Target::Cuda(n) => {
                type $B = $crate::CudaBackend;
                let $dev = &$crate::CudaDevice::new(n);
                $fit
            }
        }
    };
}
pub(crate) use on_device;

/// The GPU probe of a build with the `cuda` feature.
#[cfg(feature = "cuda")]
mod cuda {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    /// Checks that the CUDA driver and NVRTC libraries load, that the driver initialises and
    /// that GPU `index` exists: what cubecl-cuda 0.10 `unwrap`s when burn first touches a
    /// `CudaDevice` (cudarc 0.19 loads the libraries at run time and panics when one is
    /// missing). A panic of the probe itself becomes its message.
    pub(super) fn probe(index: usize) -> Result<(), String> {
        catch_unwind(AssertUnwindSafe(|| driver(index))).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown cause");
            Err(format!("the CUDA driver failed: {message}"))
        })
    }

    fn driver(index: usize) -> Result<(), String> {
        use cudarc::driver::{result, sys};
        // SAFETY: each only tries to open the shared library (libloading); nothing is called.
        let (driver, nvrtc) = unsafe {
            (
                sys::is_culib_present(),
                cudarc::nvrtc::sys::is_culib_present(),
            )
        };
        if !driver {
            return Err(format!(
                "no NVIDIA driver: the CUDA driver library ({}) is not found; install the \
                 NVIDIA driver (or put its directory on LD_LIBRARY_PATH), or train on `cpu`",
                cudarc::get_lib_name_candidates("cuda").join(", ")
            ));
        }
        if !nvrtc {
            return Err(format!(
                "the NVRTC library of the CUDA toolkit ({}), with which burn compiles its GPU \
                 kernels at run time, is not found; install the CUDA toolkit (or put its lib64 \
                 directory on LD_LIBRARY_PATH), or train on `cpu`",
                cudarc::get_lib_name_candidates("nvrtc").join(", ")
            ));
        }
        result::init().map_err(|e| format!("the CUDA driver does not initialise: {e}"))?;
        let count = result::device::get_count()
            .map_err(|e| format!("the CUDA driver cannot count the GPUs: {e}"))?;
        let count = usize::try_from(count).unwrap_or(0);
        if index >= count {
            return Err(format!(
                "no GPU with index {index}: the CUDA driver sees {count} (cuda:0 is the first)"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_print_and_round_trip() {
        for (text, device, shown) in [
            ("cpu", Device::Cpu, "cpu"),
            (" CPU ", Device::Cpu, "cpu"),
            ("cuda", Device::Cuda(0), "cuda:0"),
            ("cuda:0", Device::Cuda(0), "cuda:0"),
            ("Cuda:3", Device::Cuda(3), "cuda:3"),
        ] {
            let d: Device = text.parse().unwrap();
            assert_eq!(d, device, "{text}");
            assert_eq!(d.to_string(), shown);
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, format!("\"{shown}\""));
            assert_eq!(serde_json::from_str::<Device>(&json).unwrap(), d);
        }
        for bad in [
            "",
            "gpu",
            "cuda:",
            "cuda:-1",
            "cuda:x",
            "cuda:70000",
            "cuda0",
            "metal",
        ] {
            let err = bad.parse::<Device>().unwrap_err();
            assert!(
                matches!(
                    &err,
                    NeuralError::Config {
                        field: "device",
                        ..
                    }
                ),
                "{bad}: {err}"
            );
            let err = serde_json::from_str::<Device>(&format!("{bad:?}")).unwrap_err();
            assert!(err.to_string().contains("cuda:N"), "{bad}: {err}");
        }
        assert!(serde_json::from_str::<Device>("0").is_err());
        assert!(Device::default().is_cpu() && !Device::Cuda(0).is_cpu());
        assert!(Device::Cpu.check().is_ok());
    }

    fn round_trips<T>(config: T)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + fmt::Debug,
    {
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.contains(r#""device":"cuda:2""#), "{json}");
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), config);
    }

    /// Every burn configuration has the setting: written as text and read back; `cpu` when
    /// left out (configurations and model files from before it read as before); a GPU
    /// accepted by the values' checks (a model trained on one loads in any build) and, where
    /// this build or machine cannot train on it, refused by the registry's fit check.
    #[test]
    fn every_burn_configuration_has_the_device() {
        use crate::{BurnSkipGramConfig, Gru4RecConfig, TwoTowerConfig, YoutubeDnnConfig};
        let gpu = Device::Cuda(2);
        round_trips(BurnSkipGramConfig::new(8).with_device(gpu));
        round_trips(TwoTowerConfig::new(8).with_device(gpu));
        round_trips(Gru4RecConfig::default().with_device(gpu));
        round_trips(YoutubeDnnConfig::default().with_device(gpu));
        let old: TwoTowerConfig = serde_json::from_str(r#"{"dim": 8, "epochs": 2}"#).unwrap();
        assert_eq!(old.device, Device::Cpu);
        assert!(
            TwoTowerConfig::default()
                .with_device(gpu)
                .validate()
                .is_ok()
        );

        let registry = crate::registry();
        assert_eq!(registry.families().len(), 4);
        for family in registry.families() {
            let name = family.name();
            let defaults: serde_json::Value =
                serde_json::from_str(&family.default_config_json()).unwrap();
            assert_eq!(defaults["device"], "cpu", "{name}");
            let mut old = defaults.clone();
            old.as_object_mut().unwrap().remove("device");
            let read = family.check_config_json(&old.to_string()).unwrap();
            assert_eq!(read, family.default_config_json(), "{name}");
            let cuda = family.check_config_json(r#"{"device": "cuda"}"#).unwrap();
            assert!(cuda.contains(r#""device": "cuda:0""#), "{name}: {cuda}");
            let err = family
                .check_config_json(r#"{"device": "gpu"}"#)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(name) && err.contains("unknown device"),
                "{err}"
            );
            assert!(family.check_fit_json(r#"{"device": "cpu"}"#).is_ok());
            #[cfg(not(feature = "cuda"))]
            {
                let err = family
                    .check_fit_json(r#"{"device": "cuda:1"}"#)
                    .unwrap_err();
                assert!(
                    matches!(err, artist2vec_core::CoreError::Config { model, .. } if model == name),
                    "{err}"
                );
                let text = err.to_string();
                assert!(
                    text.contains("cannot train on cuda:1")
                        && text.contains("rebuild with `--features cuda`"),
                    "{text}"
                );
            }
        }
    }

    /// Without the `cuda` feature, a fit on a GPU stops at the device, before it looks at
    /// the data (empty here), through the `Fit` trait and through the registry.
    #[cfg(not(feature = "cuda"))]
    #[test]
    fn a_fit_on_a_gpu_stops_before_any_work() {
        use artist2vec_core::{Fit, Interactions, NoProgress, TrainingData};
        let empty = Interactions::default();
        let two_tower = crate::TwoTowerConfig::default().with_device(Device::Cuda(0));
        assert!(matches!(
            two_tower.fit(&empty),
            Err(NeuralError::Device { .. })
        ));
        let skipgram = crate::BurnSkipGramConfig::new(4).with_device(Device::Cuda(0));
        assert!(matches!(
            skipgram.fit(&empty),
            Err(NeuralError::Device { .. })
        ));
        let err = crate::registry()
            .fit(
                "gru4rec",
                Some(r#"{"device": "cuda"}"#),
                &TrainingData::new(&empty),
                &NoProgress,
            )
            .unwrap_err();
        assert!(err.to_string().contains("cannot train on cuda:0"), "{err}");
    }

    /// A model file whose configuration names a GPU (as one trained there does) loads and
    /// serves in this build, as does one written before the setting existed (no `device`).
    #[test]
    fn a_model_trained_anywhere_loads_here() {
        use std::path::Path;

        use artist2vec_core::modelfile;
        use artist2vec_core::{Interactions, NoProgress, Query, TrainingData, Vocabulary};
        let users = Vocabulary::from_ids((0..30).map(|u| format!("u{u}"))).unwrap();
        let items = Vocabulary::from_ids((0..40).map(|i| format!("a{i}"))).unwrap();
        let (mut us, mut is, mut ws) = (Vec::new(), Vec::new(), Vec::new());
        for u in 0..30u32 {
            for i in 0..8u32 {
                us.push(u);
                is.push((u * 3 + i * 7) % 40);
                ws.push(1.0 + i as f32);
            }
        }
        let rows = Interactions::from_columns(users, items, us, is, ws, None).unwrap();
        let registry = crate::registry();
        let model = registry
            .fit(
                "two-tower",
                Some(r#"{"dim": 4, "epochs": 1, "device": "cpu"}"#),
                &TrainingData::new(&rows),
                &NoProgress,
            )
            .unwrap();
        let bytes = model.to_bytes().unwrap();
        let origin = Path::new("two-tower.a2v");
        let (header, payload) =
            modelfile::read_bytes_with(&bytes, origin, "two-tower", |_| true).unwrap();
        assert!(
            header.config.contains(r#""device":"cpu""#),
            "{}",
            header.config
        );
        let expected = model.recommend(&Query::User(0), 5, true).unwrap();
        for config in [
            header
                .config
                .replace(r#""device":"cpu""#, r#""device":"cuda:3""#),
            header.config.replace(r#","device":"cpu""#, ""),
        ] {
            assert_ne!(config, header.config);
            let header = modelfile::Header {
                config,
                ..header.clone()
            };
            let file = modelfile::to_bytes(&header, &payload);
            let loaded = registry.load_bytes(&file, origin).unwrap();
            assert_eq!(
                loaded.recommend(&Query::User(0), 5, true).unwrap(),
                expected
            );
        }
    }

    /// Without the `cuda` feature a GPU is a clear error, before any work.
    #[cfg(not(feature = "cuda"))]
    #[test]
    fn a_gpu_without_the_cuda_feature_is_a_clear_error() {
        let err = Device::Cuda(1).check().unwrap_err();
        assert!(
            matches!(&err, NeuralError::Device { device, .. } if device == "cuda:1"),
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.contains("cuda:1")
                && text.contains("this build has no CUDA backend; rebuild with `--features cuda`"),
            "{text}"
        );
    }

    /// With the `cuda` feature the probe answers without panicking: on a machine without a
    /// driver or GPU with the reason, with one for GPU 0 (and never for an absurd index).
    #[cfg(feature = "cuda")]
    #[test]
    fn the_gpu_probe_answers_without_panicking() {
        match Device::Cuda(0).check() {
            Ok(()) => {}
            Err(NeuralError::Device { device, reason }) => {
                assert_eq!(device, "cuda:0");
                assert!(!reason.is_empty());
            }
            Err(e) => panic!("{e}"),
        }
        let err = Device::Cuda(65_535).check().unwrap_err();
        assert!(matches!(err, NeuralError::Device { .. }), "{err}");
    }
}
