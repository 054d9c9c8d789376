# wsplug_add_plugin(<target> CLASS_NAME <Class> METADATA <name>.json.in
#                   SOURCES ... [OUTPUT_DIRECTORY <dir>] [NO_INSTALL])
#
# Builds a handler plugin: configures its metadata (filling in @PROJECT_VERSION@, the
# plugin's version, and @WSPLUG_SDK_VERSION@, the SDK's MAJOR.MINOR, as well as
# @WSPLUG_SDK_VERSION_MAJOR@ and @WSPLUG_SDK_VERSION_MINOR@), links the SDK and puts
# the module where the host finds it. The SDK version comes from the WsPlug::Sdk
# target (project(wsplug_sdk VERSION ...) in app/sdk/CMakeLists.txt).
function(wsplug_add_plugin target)
    cmake_parse_arguments(ARG "NO_INSTALL" "CLASS_NAME;METADATA;OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
    if(NOT ARG_OUTPUT_DIRECTORY)
        set(ARG_OUTPUT_DIRECTORY ${WSPLUG_PLUGIN_OUTPUT_DIR})
    endif()
    get_target_property(WSPLUG_SDK_VERSION_MAJOR wsplug_sdk WSPLUG_SDK_VERSION_MAJOR)
    get_target_property(WSPLUG_SDK_VERSION_MINOR wsplug_sdk WSPLUG_SDK_VERSION_MINOR)
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
    target_link_libraries(${target} PRIVATE WsPlug::Sdk wsplug_warnings)
    if(NOT ARG_NO_INSTALL)
        install(TARGETS ${target} LIBRARY DESTINATION ${WSPLUG_INSTALL_PLUGINDIR})
    endif()
endfunction()
