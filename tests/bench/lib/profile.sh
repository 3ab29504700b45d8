profile_main() { :; }
