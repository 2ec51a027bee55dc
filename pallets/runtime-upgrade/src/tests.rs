//! Unit tests on a mock runtime whose host reports the version of the "new" code.

use crate as pallet_runtime_upgrade;
use frame::{
	deps::{
		codec::Encode,
		frame_support::{assert_noop, traits::EitherOfDiverse},
		sp_core::traits::{Externalities, ReadRuntimeVersion, ReadRuntimeVersionExt},
		sp_io::TestExternalities,
		sp_runtime::{
			traits::{BadOrigin, Hash},
			BuildStorage,
		},
	},
	runtime::prelude::*,
};

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_construct_runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(31)]
	pub type RuntimeUpgrade = pallet_runtime_upgrade;
}

parameter_types! {
	/// The mock runtime's own version; new code must have the same name and a higher version.
	pub Version: RuntimeVersion = RuntimeVersion {
		spec_name: alloc::borrow::Cow::Borrowed("tfchain-mock"),
		spec_version: 1,
		..Default::default()
	};
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type Version = Version;
}

ord_parameter_types! {
	/// Account 1 stands in for a council motion.
	pub const CouncilAccount: u64 = 1;
}

impl pallet_runtime_upgrade::Config for Test {
	type SetCodeOrigin = EitherOfDiverse<EnsureRoot<u64>, EnsureSignedBy<CouncilAccount, u64>>;
}

/// Reports that any code is a runtime with the given version.
struct CodeVersion(Vec<u8>);
impl ReadRuntimeVersion for CodeVersion {
	fn read_runtime_version(
		&self,
		_code: &[u8],
		_ext: &mut dyn Externalities,
	) -> Result<Vec<u8>, String> {
		Ok(self.0.clone())
	}
}

fn ext_with_new_code_version(spec_version: u32) -> TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = TestExternalities::new(storage);
	let version = RuntimeVersion { spec_version, ..Version::get() };
	ext.register_extension(ReadRuntimeVersionExt::new(CodeVersion(version.encode())));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

#[test]
fn council_or_root_can_upgrade_and_it_is_free() {
	for origin in [RuntimeOrigin::root(), RuntimeOrigin::signed(1)] {
		ext_with_new_code_version(2).execute_with(|| {
			let code = vec![1u8, 2, 3];
			let post = RuntimeUpgrade::set_code(origin, code.clone()).expect("upgrade succeeds");
			assert_eq!(post.pays_fee, Pays::No);
			assert_eq!(frame::deps::sp_io::storage::get(b":code").as_deref(), Some(&code[..]));
			System::assert_last_event(
				frame_system::Event::CodeUpdated {
					hash: <Test as frame_system::Config>::Hashing::hash(&code),
				}
				.into(),
			);
		});
	}
}

#[test]
fn others_cannot_upgrade() {
	ext_with_new_code_version(2).execute_with(|| {
		assert_noop!(RuntimeUpgrade::set_code(RuntimeOrigin::signed(2), vec![1]), BadOrigin);
		assert_noop!(RuntimeUpgrade::set_code(RuntimeOrigin::none(), vec![1]), BadOrigin);
	});
}

#[test]
fn spec_version_must_increase() {
	ext_with_new_code_version(1).execute_with(|| {
		assert_noop!(
			RuntimeUpgrade::set_code(RuntimeOrigin::root(), vec![1]),
			frame_system::Error::<Test>::SpecVersionNeedsToIncrease
		);
	});
}

#[test]
fn set_code_is_operational() {
	let info = RuntimeCall::RuntimeUpgrade(pallet_runtime_upgrade::Call::set_code { code: vec![] })
		.get_dispatch_info();
	assert_eq!(info.class, DispatchClass::Operational);
}
