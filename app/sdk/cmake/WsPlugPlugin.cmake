# wsplug_add_plugin(<target> CLASS_NAME <Class> METADATA <name>.json.in
#                   SOURCES ... [OUTPUT_DIRECTORY <dir>] [NO_INSTALL])
#
# Builds a handler plugin: configures its metadata (filling in @PROJECT_VERSION@, the
# plugin's version, and @WSPLUG_SDK_VERSION@, the SDK's MAJOR.MINOR, as well as
# @WSPLUG_SDK_VERSION_MAJOR@ and @WSPLUG_SDK_VERSION_MINOR@), links the SDK and puts
# the module where the host finds it. The SDK version comes from the WsPlug::Sdk
# target (project(wsplug_sdk VERSION ...) in app/sdk/CMakeLists.txt).
#
# The same file serves wsplug's own build and, installed with find_package(WsPlug), a
# plugin's project outside it: there the module goes to <build>/plugins (or
# OUTPUT_DIRECTORY) and installs to <prefix>/lib/wsplug/plugins, where an installed
# wsplug-host looks (or point --plugin-dir at it).
include(GNUInstallDirs)

function(wsplug_add_plugin target)
    cmake_parse_arguments(ARG "NO_INSTALL" "CLASS_NAME;METADATA;OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
    if(NOT ARG_CLASS_NAME OR NOT ARG_METADATA)
        message(FATAL_ERROR "wsplug_add_plugin(${target}): CLASS_NAME and METADATA are required")
    endif()
    if(NOT ARG_OUTPUT_DIRECTORY)
        if(DEFINED WSPLUG_PLUGIN_OUTPUT_DIR)
            set(ARG_OUTPUT_DIRECTORY ${WSPLUG_PLUGIN_OUTPUT_DIR})
        else()
            set(ARG_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/plugins)
        endif()
    endif()
    if(DEFINED WSPLUG_INSTALL_PLUGINDIR)
        set(install_dir ${WSPLUG_INSTALL_PLUGINDIR})
    else()
        set(install_dir ${CMAKE_INSTALL_LIBDIR}/wsplug/plugins)
    endif()
    get_target_property(WSPLUG_SDK_VERSION_MAJOR WsPlug::Sdk WSPLUG_SDK_VERSION_MAJOR)
    get_target_property(WSPLUG_SDK_VERSION_MINOR WsPlug::Sdk WSPLUG_SDK_VERSION_MINOR)
    set(WSPLUG_SDK_VERSION "${WSPLUG_SDK_VERSION_MAJOR}.${WSPLUG_SDK_VERSION_MINOR}")
    get_filename_component(json_name ${ARG_METADATA} NAME_WLE)
    configure_file(${ARG_METADATA} ${CMAKE_CURRENT_BINARY_DIR}/${json_name} @ONLY)
    qt_add_plugin(${target} SHARED CLASS_NAME ${ARG_CLASS_NAME})
    target_sources(${target} PRIVATE ${ARG_SOURCES})
    # Q_PLUGIN_METADATA(FILE "...json") is resolved by moc against the include path.
    target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_BINARY_DIR})
    set_property(TARGET ${target} APPEND PROPERTY AUTOMOC_DEPEND_FILTERS
        "Q_PLUGIN_METADATA" "FILE[ ]*\"([^\"]+)\"")
    set_target_properties(${target} PROPERTIES
        LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY}
        PREFIX "")
    target_link_libraries(${target} PRIVATE WsPlug::Sdk)
    # GCC makes inline statics, such as Qt's metatype of the plugin class, STB_GNU_UNIQUE:
    # glibc then never unloads the library, and a second copy of it loaded beside the
    # first (the host's hot reload) would use the first one's. Plain weak symbols stay
    # private to each copy, which Qt loads with RTLD_LOCAL.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        target_compile_options(${target} PRIVATE -fno-gnu-unique)
    endif()
    if(TARGET wsplug_warnings)   # wsplug's own build: warnings are errors
        target_link_libraries(${target} PRIVATE wsplug_warnings)
    endif()
    if(NOT ARG_NO_INSTALL)
        install(TARGETS ${target} LIBRARY DESTINATION ${install_dir})
    endif()
endfunction()
