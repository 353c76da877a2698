fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        // Dev builds explain panics in the console; a kiosk has nobody reading it.
        #[cfg(feature = "dev")]
        console_error_panic_hook::set_once();
        leptos::mount::mount_to_body(kofu_app::ui::App);
    }
}
